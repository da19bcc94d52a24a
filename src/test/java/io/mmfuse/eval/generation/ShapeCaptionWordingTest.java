package io.mmfuse.eval.generation;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmfuse.data.Sample;
import io.mmfuse.data.SceneSpec;
import io.mmfuse.data.SceneSpec.Colour;
import io.mmfuse.data.SceneSpec.ColourShape;
import io.mmfuse.data.SceneSpec.Relation;
import io.mmfuse.data.SceneSpec.Shape;
import io.mmfuse.data.SyntheticShapes;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ShapeCaptionWordingTest {

    /** With five captions per image the generator writes variants 0..4 in order: ours must match word for word. */
    @ParameterizedTest
    @ValueSource(ints = {64, 100})
    void everyVariantEqualsWhatSyntheticShapesWrites(int size) {
        SyntheticShapes.Generated g = SyntheticShapes.generateWithScenes(SyntheticShapes.Config.defaults()
                .withSeed(11).withSplitSizes(60, 10, 10).withSize(size).withCaptionsPerImage(5));
        EnumSet<Relation> relations = EnumSet.noneOf(Relation.class);
        boolean anArticle = false;
        List<Sample> all = Stream.of(g.dataset().train(), g.dataset().val(), g.dataset().test())
                .flatMap(List::stream).toList();
        for (Sample s : all) {
            SceneSpec scene = g.scenes().get(s.imageId());
            assertThat(ShapeCaptionWording.variants(scene, size)).as(s.imageId()).isEqualTo(s.captions());
            relations.add(scene.relation());
            anArticle |= s.captions().get(0).startsWith("an ");
        }
        // The comparison covered every relation, single objects and the "an" article.
        assertThat(relations).isEqualTo(EnumSet.allOf(Relation.class));
        assertThat(anArticle).isTrue();
    }

    @Test
    void evaluationCaptionsAreTheCanonicalPairAndTheSingleWithItsRegion() {
        SyntheticShapes.Generated g = SyntheticShapes.generateWithScenes(SyntheticShapes.Config.defaults()
                .withSeed(3).withSplitSizes(0, 0, 30).withCaptionsPerImage(5));
        int singles = 0;
        for (Sample s : g.dataset().test()) {
            SceneSpec scene = g.scenes().get(s.imageId());
            AttributeTarget t = EvaluationTargets.of(scene, 64);
            assertThat(t.scene()).isSameAs(scene);
            if (scene.objects().size() == 1) {
                singles++;
                assertThat(t.caption()).isEqualTo(s.captions().get(2));
                assertThat(t.caption()).endsWith(t.attributes().region().phrase());
                assertThat(t.regionStated()).isTrue();
            } else {
                assertThat(t.caption()).isEqualTo(s.captions().get(0));
                assertThat(t.regionStated()).isFalse();
            }
        }
        assertThat(singles).isBetween(1, 29);
    }

    @Test
    void allVariantsStateTheRegionOnlyInTheSingleRegionVariant() {
        SceneSpec single = Scenes.single(Colour.ORANGE, Shape.CROSS, 60, 60);
        List<AttributeTarget> targets = EvaluationTargets.allVariants(List.of(single), 64);

        assertThat(targets).extracting(AttributeTarget::caption).containsExactly(
                "an orange cross", "there is an orange cross", "an orange cross at the bottom right",
                "a single orange cross on a dark background", "an image of an orange cross");
        assertThat(targets).extracting(AttributeTarget::regionStated).containsExactly(false, false, true, false, false);
    }

    @Test
    void aTargetMentionsAHeldOutCombinationWhenEitherObjectIsOne() {
        SceneSpec pair = Scenes.pair(Scenes.shape(Colour.RED, Shape.CIRCLE, 30, 10), Relation.ABOVE,
                Scenes.shape(Colour.BLUE, Shape.SQUARE, 30, 50));
        AttributeTarget t = EvaluationTargets.of(pair, 64);

        assertThat(t.caption()).isEqualTo("a red circle above a blue square");
        assertThat(t.mentionsAny(Set.of(new ColourShape(Colour.BLUE, Shape.SQUARE)))).isTrue();
        assertThat(t.mentionsAny(Set.of(new ColourShape(Colour.BLUE, Shape.CIRCLE)))).isFalse();
    }
}
