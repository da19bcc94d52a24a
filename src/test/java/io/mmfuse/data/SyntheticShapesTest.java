package io.mmfuse.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import io.mmfuse.data.SceneSpec.Colour;
import io.mmfuse.data.SceneSpec.ColourShape;
import io.mmfuse.data.SceneSpec.Relation;
import io.mmfuse.data.SceneSpec.Shape;
import io.mmfuse.data.SceneSpec.ShapeSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticShapesTest {
    private static final SyntheticShapes.Config SMALL =
            SyntheticShapes.Config.defaults().withSeed(7).withSplitSizes(12, 4, 4).withSize(64).withCaptionsPerImage(4);

    private static List<Sample> all(Dataset ds) {
        return Stream.of(ds.train(), ds.val(), ds.test()).flatMap(List::stream).toList();
    }

    private static byte[] bytes(Sample s) throws Exception {
        return s.image().readBytes();
    }

    @Test
    void sameSeedGivesIdenticalBytesAndCaptions() throws Exception {
        List<Sample> a = all(SyntheticShapes.generate(SMALL));
        List<Sample> b = all(SyntheticShapes.generate(SMALL));
        assertThat(a).hasSize(20);
        for (int i = 0; i < a.size(); i++) {
            assertThat(bytes(b.get(i))).isEqualTo(bytes(a.get(i)));
            assertThat(b.get(i).captions()).isEqualTo(a.get(i).captions());
            assertThat(b.get(i).imageId()).isEqualTo(a.get(i).imageId());
        }
    }

    @Test
    void differentSeedGivesDifferentImages() throws Exception {
        List<Sample> a = all(SyntheticShapes.generate(SMALL));
        List<Sample> c = all(SyntheticShapes.generate(SMALL.withSeed(8)));
        int same = 0;
        for (int i = 0; i < a.size(); i++) {
            if (java.util.Arrays.equals(bytes(a.get(i)), bytes(c.get(i)))) {
                same++;
            }
        }
        assertThat(same).isZero();
    }

    @Test
    void splitSizeDoesNotChangeOtherSplits() throws Exception {
        Dataset a = SyntheticShapes.generate(SMALL);
        Dataset b = SyntheticShapes.generate(SMALL.withSplitSizes(3, 4, 4));
        for (int i = 0; i < 4; i++) {
            assertThat(bytes(b.val().get(i))).isEqualTo(bytes(a.val().get(i)));
        }
        assertThat(bytes(b.train().get(2))).isEqualTo(bytes(a.train().get(2)));
    }

    @Test
    void pngsDecodeAndShowTheSpecifiedColoursAtShapeCentres() throws Exception {
        SyntheticShapes.Generated g = SyntheticShapes.generateWithScenes(SMALL);
        for (Sample s : all(g.dataset())) {
            SceneSpec scene = g.scenes().get(s.imageId());
            try (BytePointer encoded = new BytePointer(bytes(s));
                    Mat decoded = opencv_imgcodecs.imdecode(new Mat(encoded), opencv_imgcodecs.IMREAD_COLOR);
                    UByteIndexer px = decoded.createIndexer()) {
                assertThat(decoded.rows()).isEqualTo(64);
                assertThat(decoded.cols()).isEqualTo(64);
                for (ShapeSpec o : scene.objects()) {
                    int x = o.centerX();
                    int y = o.centerY();
                    assertThat(new int[] {px.get(y, x, 2), px.get(y, x, 1), px.get(y, x, 0)})
                            .as("%s %s", s.imageId(), o)
                            .containsExactly(o.colour().red(), o.colour().green(), o.colour().blue());
                }
                // Centres keep radius + 1 from the edges, so the top-left pixel is always background.
                assertThat(px.get(0, 0, 0)).isEqualTo(px.get(0, 0, 1)).isEqualTo(px.get(0, 0, 2));
                assertThat(px.get(0, 0, 0)).isLessThan(60);
            }
        }
    }

    @Test
    void captionsDescribeTheScene() {
        SyntheticShapes.Generated g = SyntheticShapes.generateWithScenes(SMALL.withSplitSizes(60, 0, 0));
        Set<Integer> objectCounts = new HashSet<>();
        for (Sample s : g.dataset().train()) {
            SceneSpec scene = g.scenes().get(s.imageId());
            objectCounts.add(scene.objects().size());
            assertThat(s.captions()).hasSize(4).doesNotHaveDuplicates();
            assertThat(s.captions().get(0)).isEqualTo(canonical(scene));
            for (String caption : s.captions()) {
                for (ShapeSpec o : scene.objects()) {
                    assertThat(caption).contains(o.colourShape().phrase());
                }
            }
            if (scene.objects().size() == 2) {
                ShapeSpec a = scene.objects().get(0);
                ShapeSpec b = scene.objects().get(1);
                assertThat(a.colourShape()).isNotEqualTo(b.colourShape());
                switch (scene.relation()) {
                    case ABOVE -> assertThat(a.centerY()).isLessThan(b.centerY() - a.radius() - b.radius());
                    case BELOW -> assertThat(a.centerY()).isGreaterThan(b.centerY() + a.radius() + b.radius());
                    case LEFT_OF -> assertThat(a.centerX()).isLessThan(b.centerX() - a.radius() - b.radius());
                    case RIGHT_OF -> assertThat(a.centerX()).isGreaterThan(b.centerX() + a.radius() + b.radius());
                    case NONE -> throw new AssertionError("two objects need a relation");
                }
            }
            for (ShapeSpec o : scene.objects()) {
                assertThat(o.centerX() - o.radius()).isGreaterThanOrEqualTo(0);
                assertThat(o.centerX() + o.radius()).isLessThan(64);
                assertThat(o.centerY() - o.radius()).isGreaterThanOrEqualTo(0);
                assertThat(o.centerY() + o.radius()).isLessThan(64);
            }
        }
        assertThat(objectCounts).containsExactlyInAnyOrder(1, 2);
    }

    private static String canonical(SceneSpec scene) {
        List<String> parts = scene.objects().stream()
                .map(o -> (o.colour() == Colour.ORANGE ? "an " : "a ") + o.colour().word() + " " + o.shape().word())
                .toList();
        return scene.relation() == Relation.NONE ? parts.get(0)
                : parts.get(0) + " " + scene.relation().phrase() + " " + parts.get(1);
    }

    @Test
    void heldOutCombinationsNeverAppearInTrain() {
        Set<ColourShape> heldOut = Set.of(new ColourShape(Colour.RED, Shape.CIRCLE), new ColourShape(Colour.BLUE, Shape.SQUARE));
        SyntheticShapes.Generated g = SyntheticShapes.generateWithScenes(
                SMALL.withSplitSizes(150, 60, 60).withSize(32).withCaptionsPerImage(1).withHeldOutFromTrain(heldOut));
        for (Sample s : g.dataset().train()) {
            assertThat(g.scenes().get(s.imageId()).colourShapes()).doesNotContainAnyElementsOf(heldOut);
            assertThat(s.captions().get(0)).doesNotContain("red circle").doesNotContain("blue square");
        }
        long evalWithHeldOut = Stream.concat(g.dataset().val().stream(), g.dataset().test().stream())
                .filter(s -> g.scenes().get(s.imageId()).colourShapes().stream().anyMatch(heldOut::contains))
                .count();
        assertThat(evalWithHeldOut).isPositive();
    }

    @Test
    void writeToProducesAFolderThatFolderLoaderReadsBack(@TempDir Path tmp) throws Exception {
        SyntheticShapes.Generated g = SyntheticShapes.generateWithScenes(SMALL);
        Path dir = tmp.resolve("shapes");
        SyntheticShapes.writeTo(dir, g);

        LoadResult loaded = new FolderLoader().loadWithReport(dir);
        Dataset back = loaded.dataset();
        assertThat(loaded.report().captionsWithoutImage()).isEmpty();
        List<Sample> original = all(g.dataset());
        List<Sample> reread = all(back);
        assertThat(reread).hasSize(original.size());
        for (int i = 0; i < original.size(); i++) {
            assertThat(reread.get(i).imageId()).isEqualTo(original.get(i).imageId());
            assertThat(reread.get(i).captions()).isEqualTo(original.get(i).captions());
            assertThat(bytes(reread.get(i))).isEqualTo(bytes(original.get(i)));
        }
        assertThat(back.train()).hasSize(12);
        assertThat(SyntheticShapes.readScenes(dir)).isEqualTo(g.scenes());
        assertThat(new DatasetValidator().validate(loaded).ok()).isTrue();

        assertThatThrownBy(() -> SyntheticShapes.writeTo(dir, g))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("empty");
    }

    @Test
    void badConfigsAreRejected() {
        SyntheticShapes.Config d = SyntheticShapes.Config.defaults();
        assertThatThrownBy(() -> d.withSize(16)).isInstanceOf(InvalidInputException.class).hasMessageStartingWith("size:");
        assertThatThrownBy(() -> d.withCaptionsPerImage(6)).hasMessageStartingWith("captionsPerImage:");
        assertThatThrownBy(() -> d.withSplitSizes(-1, 1, 1)).hasMessageStartingWith("trainImages:");
        assertThatThrownBy(() -> d.withSplitSizes(0, 0, 0)).isInstanceOf(InvalidInputException.class);
        Set<ColourShape> allButOne = new HashSet<>(SyntheticShapes.allCombinations());
        allButOne.remove(new ColourShape(Colour.RED, Shape.CIRCLE));
        assertThatThrownBy(() -> d.withHeldOutFromTrain(allButOne)).hasMessageStartingWith("heldOutFromTrain:");
        assertThatThrownBy(() -> new SceneSpec("x", List.of(new ShapeSpec(Colour.RED, Shape.CIRCLE, 5, 5, 3)), Relation.ABOVE))
                .isInstanceOf(InvalidInputException.class);
    }
}
