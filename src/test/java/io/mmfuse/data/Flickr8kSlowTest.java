package io.mmfuse.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mmfuse.data.ValidationReport.Check;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("slow")
class Flickr8kSlowTest {
    private static final Path ROOT = Path.of("/work/shared/data/flickr8k");

    @Test
    void loadsTheOfficialSplitWithFiveCaptionsEach() throws Exception {
        assumeTrue(Files.isDirectory(ROOT), "Flickr8k not available at " + ROOT);
        LoadResult loaded = new CaptionsTsvLoader().loadWithReport(ROOT);
        Dataset ds = loaded.dataset();
        assertThat(ds.train()).hasSize(6000);
        assertThat(ds.val()).hasSize(1000);
        assertThat(ds.test()).hasSize(1000);
        Stream.of(ds.train(), ds.val(), ds.test()).flatMap(List::stream)
                .forEach(s -> assertThat(s.captions()).as(s.imageId()).hasSize(5));
        assertThat(loaded.report().skippedLines()).isEmpty();
        assertThat(loaded.report().unsplitImages()).hasSize(91);
        assertThat(loaded.report().captionsWithoutImage()).isEmpty();

        ValidationReport report = new DatasetValidator().validate(loaded);
        System.out.print(report.summary());
        assertThat(report.ok()).isTrue();
        assertThat(report.captions()).isEqualTo(40_000);
        assertThat(report.count(Check.MISSING_IMAGE_FILE)).isZero();
        assertThat(report.count(Check.DUPLICATE_IMAGE_ENTRY)).isZero();
    }
}
