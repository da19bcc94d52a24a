package io.mmfuse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmfuse.api.TrainingJob;
import io.mmfuse.api.TrainingRequest;
import io.mmfuse.data.SyntheticShapes;
import io.mmfuse.image.ImageWriter;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.train.ProgressSink;
import io.mmfuse.train.TrainConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's contract with scripts: exit statuses, skipped-input reports, one-line errors. */
class CliTest {
    @TempDir
    static Path dir;

    static Path checkpoint;

    @BeforeAll
    static void tinyModel() {
        var dataset = SyntheticShapes.generate(SyntheticShapes.Config.defaults().withSplitSizes(64, 8, 8)
                .withCaptionsPerImage(2));
        ModelConfig model = ModelConfig.defaults().toBuilder().imageSize(32).cnnWidth(8).commonDim(16).build();
        TrainConfig train = TrainConfig.builder().epochs(1).batchSize(16).threads(1).build();
        checkpoint = TrainingJob.run(new TrainingRequest(dataset, model, train, 1, 100, dir.resolve("run"), null),
                ProgressSink.NONE, s -> { }).checkpoint();
    }

    record Result(int exit, String out, String err) {
    }

    static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Logs share stderr with the error line; the error is the last thing printed. */
    static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        return lines[lines.length - 1];
    }

    @Test
    void embedSkipsBadInputsReportsThemAndExitsWithThree() throws Exception {
        Path good = dir.resolve("good.png");
        ImageWriter.writePng(good, new byte[32 * 32 * 3], 32, 32);
        Path bad = dir.resolve("bad.jpg");
        Files.write(bad, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3});
        Path out = dir.resolve("vectors.jsonl");
        Result r = run("embed", "--checkpoint", checkpoint.toString(), "--text", "a red circle", "--image",
                good.toString(), bad.toString(), "--out", out.toString());
        assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.SKIPPED_INPUTS);
        assertThat(Files.readAllLines(out)).hasSize(2);
        assertThat(r.out()).contains("2 processed, 1 skipped").contains("bad.jpg");
        String report = Files.readString(dir.resolve("vectors.jsonl.report.json"));
        assertThat(report).contains("\"skipped_count\" : 1").contains("bad.jpg").contains("CORRUPT");
    }

    @Test
    void badInputIsOneLineAndExitTwo() throws Exception {
        Path idx = dir.resolve("captions.mmf");
        Path captions = dir.resolve("captions.txt");
        Files.writeString(captions, "a red circle\na blue square\n");
        assertThat(run("index", "--checkpoint", checkpoint.toString(), "--captions", captions.toString(), "--out",
                idx.toString()).exit()).isZero();
        Result r = run("search", "--checkpoint", checkpoint.toString(), "--index", idx.toString(), "--text",
                "a red circle", "-k", "3");
        assertThat(r.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(lastLine(r.err())).startsWith("error: k: ");
        assertThat(r.err()).doesNotContain("Exception");
        Result ok = run("search", "--checkpoint", checkpoint.toString(), "--index", idx.toString(), "--text",
                "a red circle", "-k", "2");
        assertThat(ok.exit()).isZero();
        assertThat(ok.out()).contains("1. ").contains("2. ");
    }

    @Test
    void missingCheckpointIsAClearFailure() {
        Result r = run("embed", "--checkpoint", dir.resolve("nope").toString(), "--text", "x", "--out",
                dir.resolve("o.jsonl").toString());
        assertThat(r.exit()).isIn(ExitCodes.FAILED, ExitCodes.BAD_INPUT);
        assertThat(lastLine(r.err())).startsWith("error: ").contains("nope");
    }

    @Test
    void aGanRankerWithoutAGanIsBadInputBeforeAnythingLoads() {
        Result r = run("serve", "--checkpoint", checkpoint.toString(), "--gan-ranker", checkpoint.toString(),
                "--http-port", "-1", "--grpc-port", "-1");
        assertThat(r.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(lastLine(r.err())).startsWith("error: --gan-ranker").contains("--gan");
    }
}
