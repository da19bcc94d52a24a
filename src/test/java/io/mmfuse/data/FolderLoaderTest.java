package io.mmfuse.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderLoaderTest {
    @TempDir
    Path dir;

    private void writeFlatFolder() throws Exception {
        for (int i = 0; i < 10; i++) {
            Files.write(dir.resolve(String.format("img%02d.png", i)), new byte[] {(byte) i});
            if (i != 7) {
                Files.writeString(dir.resolve(String.format("img%02d.txt", i)), "caption one " + i + "\n\n  caption two " + i + "  \n");
            }
        }
        Files.writeString(dir.resolve("orphan.txt"), "no image for me");
        Files.writeString(dir.resolve("README.md"), "not an image");
        Files.write(dir.resolve(".hidden.png"), new byte[] {1});
    }

    private static List<String> ids(List<Sample> samples) {
        return samples.stream().map(Sample::imageId).toList();
    }

    @Test
    void flatFolderIsSplitByFractionsAndReadsCaptions() throws Exception {
        writeFlatFolder();
        FolderLoader loader = new FolderLoader(FolderLoader.Options.defaults().withFractions(0.6, 0.2, 0.2).withSeed(1));
        LoadResult result = loader.loadWithReport(dir);
        Dataset ds = result.dataset();
        assertThat(ds.train()).hasSize(6);
        assertThat(ds.val()).hasSize(2);
        assertThat(ds.test()).hasSize(2);
        List<String> all = new ArrayList<>(ids(ds.train()));
        all.addAll(ids(ds.val()));
        all.addAll(ids(ds.test()));
        assertThat(all).containsExactlyInAnyOrderElementsOf(
                Stream.iterate(0, i -> i + 1).limit(10).map(i -> String.format("img%02d.png", i)).toList());
        Sample img3 = Stream.of(ds.train(), ds.val(), ds.test()).flatMap(List::stream)
                .filter(s -> s.imageId().equals("img03.png")).findFirst().orElseThrow();
        assertThat(img3.captions()).containsExactly("caption one 3", "caption two 3");
        Sample img7 = Stream.of(ds.train(), ds.val(), ds.test()).flatMap(List::stream)
                .filter(s -> s.imageId().equals("img07.png")).findFirst().orElseThrow();
        assertThat(img7.captions()).isEmpty();
        assertThat(result.report().captionsWithoutImage()).containsExactly("orphan.txt");
    }

    @Test
    void splitIsDeterministicPerSeed() throws Exception {
        writeFlatFolder();
        FolderLoader.Options base = FolderLoader.Options.defaults().withFractions(0.5, 0.3, 0.2);
        Dataset a = new FolderLoader(base.withSeed(1)).load(dir);
        Dataset b = new FolderLoader(base.withSeed(1)).load(dir);
        Dataset c = new FolderLoader(base.withSeed(2)).load(dir);
        assertThat(ids(b.train())).isEqualTo(ids(a.train()));
        assertThat(ids(b.val())).isEqualTo(ids(a.val()));
        assertThat(ids(c.train())).isNotEqualTo(ids(a.train()));
    }

    @Test
    void preSplitFoldersAreUsedAsIs() throws Exception {
        Files.createDirectories(dir.resolve("train"));
        Files.createDirectories(dir.resolve("test"));
        Files.write(dir.resolve("train/a.jpg"), new byte[] {1});
        Files.writeString(dir.resolve("train/a.txt"), "a red circle");
        Files.write(dir.resolve("train/b.JPG"), new byte[] {1});
        Files.writeString(dir.resolve("test/c.txt"), "orphan");
        Dataset ds = new FolderLoader().loadWithReport(dir).dataset();
        assertThat(ids(ds.train())).containsExactly("a.jpg", "b.JPG");
        assertThat(ds.val()).isEmpty();
        assertThat(ds.test()).isEmpty();
        assertThat(new FolderLoader().loadWithReport(dir).report().captionsWithoutImage()).containsExactly("test/c.txt");
    }

    @Test
    void invalidUtf8CaptionFileFails() throws Exception {
        Files.write(dir.resolve("a.png"), new byte[] {1});
        Files.write(dir.resolve("a.txt"), new byte[] {'o', 'k', '\n', 'b', 'a', 'd', (byte) 0xC0, (byte) 0x80, '\n'});
        assertThatThrownBy(() -> new FolderLoader().load(dir))
                .isInstanceOf(DatasetFormatException.class)
                .hasMessageContaining("a.txt")
                .hasMessageContaining("line 2");
    }

    @Test
    void badOptionsAreRejected() {
        assertThatThrownBy(() -> FolderLoader.Options.defaults().withFractions(0.5, 0.5, 0.5))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("fractions:");
        assertThatThrownBy(() -> FolderLoader.Options.defaults().withFractions(1.2, -0.1, -0.1))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("trainFraction:");
        assertThatThrownBy(() -> FolderLoader.Options.defaults().withFractions(Double.NaN, 0.5, 0.5))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> new FolderLoader().load(dir.resolve("missing")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("missing");
    }
}
