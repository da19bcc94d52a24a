package io.mmfuse.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.image.ImageSource;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaptionsTsvLoaderTest {
    @TempDir
    Path root;

    static void writeFixture(Path root) throws Exception {
        Files.createDirectories(root.resolve("images"));
        Files.createDirectories(root.resolve("splits"));
        for (String image : List.of("a.jpg", "b.jpg", "d.jpg")) {
            Files.write(root.resolve("images").resolve(image), new byte[] {1, 2, 3});
        }
        Files.writeString(root.resolve("captions.tsv"), String.join("\n",
                "a.jpg\tA dog runs .",                  // 1
                "a.jpg\tA brown dog ☕ in the café .",  // 2
                "b.jpg\tA cat sits\r",                  // 3 (CRLF)
                "broken line without tab",              // 4
                "c.jpg\t   ",                           // 5 empty caption
                "\tno image name",                      // 6
                "b.jpg\tA cat\tsleeps",                 // 7 two tabs
                "d.jpg\tunsplit but present",           // 8
                "e.jpg\tunsplit and absent",            // 9
                "../x.jpg\tescape attempt",             // 10
                "c.jpg\t",                              // 11 empty caption again
                "a.jpg\tA dog runs .") + "\n",          // 12 duplicate caption
                StandardCharsets.UTF_8);
        Files.writeString(root.resolve("splits/train.txt"), "a.jpg\nb.jpg\n\n");
        Files.writeString(root.resolve("splits/val.txt"), "c.jpg\n");
        Files.writeString(root.resolve("splits/test.txt"), "");
    }

    @Test
    void loadsSplitsAndSeveralCaptionsPerImage() throws Exception {
        writeFixture(root);
        LoadResult result = new CaptionsTsvLoader().loadWithReport(root);
        Dataset ds = result.dataset();
        assertThat(ds.name()).isEqualTo(root.getFileName().toString());
        assertThat(ds.train()).extracting(Sample::imageId).containsExactly("a.jpg", "b.jpg");
        assertThat(ds.train().get(0).captions())
                .containsExactly("A dog runs .", "A brown dog ☕ in the café .", "A dog runs .");
        assertThat(ds.train().get(1).captions()).containsExactly("A cat sits");
        assertThat(ds.train().get(0).image()).isEqualTo(ImageSource.of(root.resolve("images/a.jpg")));
        assertThat(ds.val()).extracting(Sample::imageId).containsExactly("c.jpg");
        assertThat(ds.val().get(0).captions()).isEmpty();
        assertThat(ds.test()).isEmpty();

        DatasetReport report = result.report();
        assertThat(report.skippedLines()).extracting(LineIssue::line).containsExactly(4L, 5L, 6L, 7L, 10L, 11L);
        assertThat(report.skippedLines().get(0).reason()).contains("no tab");
        assertThat(report.skippedLines().get(1).reason()).isEqualTo("empty caption");
        assertThat(report.skippedLines().get(2).reason()).isEqualTo("empty image file name");
        assertThat(report.skippedLines().get(3).reason()).contains("more than one tab");
        assertThat(report.skippedLines().get(4).reason()).contains("path");
        assertThat(report.unsplitImages()).containsExactly("d.jpg");
        assertThat(report.captionsWithoutImage()).containsExactly("e.jpg");
    }

    @Test
    void strictModeThrowsWithLineNumbers() throws Exception {
        writeFixture(root);
        CaptionsTsvLoader strict = new CaptionsTsvLoader(CaptionsTsvLoader.Options.defaults().withFailOnMalformedLines(true));
        assertThatThrownBy(() -> strict.load(root))
                .isInstanceOf(DatasetFormatException.class)
                .isInstanceOf(MmfuseException.class)
                .hasMessageContaining("line 4: no tab")
                .satisfies(e -> assertThat(((DatasetFormatException) e).issues()).hasSize(6));
    }

    @Test
    void invalidUtf8FailsTheFileWithEveryBadLineNumber() throws Exception {
        writeFixture(root);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes("a.jpg\tfine\n".getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes("a.jpg\talso fine\n".getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(new byte[] {'b', '.', 'j', 'p', 'g', '\t', 'c', 'a', (byte) 0xC3, '(', '\n'});
        bytes.writeBytes("b.jpg\tfine\n".getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(new byte[] {'b', '.', 'j', 'p', 'g', '\t', (byte) 0xFF}); // last line, no newline
        Files.write(root.resolve("captions.tsv"), bytes.toByteArray());

        assertThatThrownBy(() -> new CaptionsTsvLoader().load(root))
                .isInstanceOf(DatasetFormatException.class)
                .hasMessageContaining("captions.tsv")
                .hasMessageContaining("line 3: invalid UTF-8 at byte 9")
                .satisfies(e -> assertThat(((DatasetFormatException) e).issues())
                        .extracting(LineIssue::line).containsExactly(3L, 5L));
    }

    @Test
    void invalidUtf8InASplitListFailsToo() throws Exception {
        writeFixture(root);
        Files.write(root.resolve("splits/val.txt"), new byte[] {'c', '.', 'j', 'p', 'g', '\n', (byte) 0xE2, (byte) 0x82, '\n'});
        assertThatThrownBy(() -> new CaptionsTsvLoader().load(root))
                .isInstanceOf(DatasetFormatException.class)
                .hasMessageContaining("val.txt")
                .hasMessageContaining("line 2");
    }

    @Test
    void byteOrderMarkIsIgnored() throws Exception {
        writeFixture(root);
        Files.writeString(root.resolve("captions.tsv"), "\uFEFFa.jpg\tA dog\n", StandardCharsets.UTF_8);
        Dataset ds = new CaptionsTsvLoader().load(root);
        assertThat(ds.train().get(0).captions()).containsExactly("A dog");
    }

    @Test
    void missingFilesAreNamed() throws Exception {
        assertThatThrownBy(() -> new CaptionsTsvLoader().load(root.resolve("nope")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("nope");
        assertThatThrownBy(() -> new CaptionsTsvLoader().load(root))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("captions.tsv");
        writeFixture(root);
        Files.delete(root.resolve("splits/test.txt"));
        assertThatThrownBy(() -> new CaptionsTsvLoader().load(root))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("test.txt");
    }
}
