package io.mmfuse.data;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmfuse.data.ValidationReport.Check;
import io.mmfuse.data.ValidationReport.Severity;
import io.mmfuse.image.ImageSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetValidatorTest {
    @TempDir
    Path root;

    @Test
    void countsProblemsOfALoadedFixture() throws Exception {
        CaptionsTsvLoaderTest.writeFixture(root);
        ValidationReport report = new DatasetValidator().validate(new CaptionsTsvLoader().loadWithReport(root));

        assertThat(report.trainImages()).isEqualTo(2);
        assertThat(report.valImages()).isEqualTo(1);
        assertThat(report.testImages()).isZero();
        assertThat(report.captions()).isEqualTo(4);
        assertThat(report.count(Check.MISSING_IMAGE_FILE)).isEqualTo(1);
        assertThat(report.finding(Check.MISSING_IMAGE_FILE).examples()).containsExactly("c.jpg");
        assertThat(report.count(Check.IMAGE_WITHOUT_CAPTIONS)).isEqualTo(1);
        assertThat(report.count(Check.CAPTIONS_WITHOUT_IMAGE)).isEqualTo(1);
        assertThat(report.finding(Check.CAPTIONS_WITHOUT_IMAGE).examples()).containsExactly("e.jpg");
        assertThat(report.count(Check.DUPLICATE_CAPTION)).isEqualTo(1);
        assertThat(report.count(Check.DUPLICATE_IMAGE_ENTRY)).isZero();
        assertThat(report.count(Check.EMPTY_SPLIT)).isEqualTo(1);
        assertThat(report.finding(Check.EMPTY_SPLIT).severity()).isEqualTo(Severity.WARNING);
        assertThat(report.count(Check.SKIPPED_LINE)).isEqualTo(6);
        assertThat(report.count(Check.UNSPLIT_IMAGE)).isEqualTo(1);
        assertThat(report.ok()).isFalse();
        assertThat(report.summary())
                .contains("NOT OK")
                .contains("split entries whose image file is missing or empty: 1, e.g. c.jpg")
                .doesNotContain("DUPLICATE");
    }

    @Test
    void findsDuplicateEntriesAcrossSplitsAndLimitsExamples() throws Exception {
        Path img = Files.write(root.resolve("x.png"), new byte[] {1});
        Sample x = new Sample("x.png", ImageSource.of(img), List.of("a dog", "A  dog ", "a cat"));
        Sample y = new Sample("y.png", ImageSource.of("y.png", new byte[] {1}), List.of("a bird"));
        Sample empty = new Sample("z.png", ImageSource.of("z.png", new byte[0]), List.of(" "));
        Dataset ds = new Dataset("crafted", List.of(x, y, x, y), List.of(x), List.of(empty));

        ValidationReport report = new DatasetValidator(1).validate(ds);
        assertThat(report.count(Check.DUPLICATE_IMAGE_ENTRY)).isEqualTo(3); // x thrice, y twice
        assertThat(report.finding(Check.DUPLICATE_IMAGE_ENTRY).examples()).containsExactly("x.png (train, train, val)");
        assertThat(report.count(Check.DUPLICATE_CAPTION)).isEqualTo(3); // "A  dog " in each copy of x
        assertThat(report.count(Check.MISSING_IMAGE_FILE)).isEqualTo(1); // z has zero bytes
        assertThat(report.count(Check.IMAGE_WITHOUT_CAPTIONS)).isEqualTo(1); // z has only a blank caption
        assertThat(report.count(Check.EMPTY_SPLIT)).isZero();
        assertThat(report.ok()).isFalse();
    }

    @Test
    void cleanDatasetIsOkAndEmptyTrainIsAnError() {
        Sample a = new Sample("a", ImageSource.of("a", new byte[] {1}), List.of("a dog"));
        ValidationReport clean = new DatasetValidator().validate(new Dataset("clean", List.of(a), List.of(), List.of()));
        assertThat(clean.ok()).isTrue();
        assertThat(clean.count(Check.EMPTY_SPLIT)).isEqualTo(2);
        assertThat(clean.summary()).contains("OK (0 error(s), 1 warning(s))");

        ValidationReport noTrain = new DatasetValidator().validate(new Dataset("none", List.of(), List.of(a), List.of()));
        assertThat(noTrain.finding(Check.EMPTY_SPLIT).severity()).isEqualTo(Severity.ERROR);
        assertThat(noTrain.ok()).isFalse();
    }

    @Test
    void reportSerialisesToJson() throws Exception {
        Sample a = new Sample("a", ImageSource.of("a", new byte[] {1}), List.of("a dog"));
        ValidationReport report = new DatasetValidator().validate(new Dataset("j", List.of(a), List.of(), List.of()));
        JsonNode json = new ObjectMapper().readTree(new ObjectMapper().writeValueAsString(report));
        assertThat(json.get("dataset").asText()).isEqualTo("j");
        assertThat(json.get("findings")).hasSize(Check.values().length);
        assertThat(json.get("findings").get(5).get("check").asText()).isEqualTo("EMPTY_SPLIT");
        assertThat(json.get("findings").get(5).get("count").asInt()).isEqualTo(2);
    }
}
