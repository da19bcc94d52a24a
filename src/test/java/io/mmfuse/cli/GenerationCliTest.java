package io.mmfuse.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmfuse.api.MmfuseModel;
import io.mmfuse.api.TrainingJob;
import io.mmfuse.api.TrainingRequest;
import io.mmfuse.data.SyntheticShapes;
import io.mmfuse.image.ImageHeader;
import io.mmfuse.image.ImageWriter;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.server.MmfuseServer;
import io.mmfuse.train.ProgressSink;
import io.mmfuse.train.TrainConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** train-gan, generate, train-captioner, caption and eval-captions end to end on a tiny synthetic set. */
class GenerationCliTest {
    @TempDir
    static Path dir;

    static Path data;
    static Path textModel;

    @BeforeAll
    static void tinyDataAndModel() throws Exception {
        data = dir.resolve("data");
        SyntheticShapes.writeTo(data, SyntheticShapes.generateWithScenes(SyntheticShapes.Config.defaults()
                .withSplitSizes(48, 8, 8).withCaptionsPerImage(2)));
        ModelConfig model = ModelConfig.defaults().toBuilder().imageSize(32).cnnWidth(8).commonDim(16).build();
        TrainConfig train = TrainConfig.builder().epochs(1).batchSize(16).threads(1).build();
        textModel = TrainingJob.run(new TrainingRequest(io.mmfuse.api.Datasets.open(data), model, train, 1, 100,
                dir.resolve("retrieval"), null), ProgressSink.NONE, s -> { }).checkpoint();
    }

    @Test
    void trainGanWritesGridsAndACheckpointThatGenerateDrawsDeterministically() throws Exception {
        Path out = dir.resolve("gan");
        CliTest.Result train = CliTest.run("train-gan", "--text-model", textModel.toString(), "--data", data.toString(),
                "--out", out.toString(), "--steps", "3", "--width", "8", "--batch", "8", "--sample-every", "2",
                "--checkpoint-every", "2", "--threads", "1", "--order-negatives", "0.5", "--object-negatives",
                "--conditioning", "per-block", "--upsampling", "resize-conv", "--word-weight", "0.5", "--lr", "1e-4");
        assertThat(train.exit()).as(train.err()).isZero();
        assertThat(train.out()).contains("trained 3 steps");
        assertThat(train.err() + train.out()).containsPattern(
                "[1-9][0-9]* of [0-9]+ captions have a hard negative \\(objects swapped or one object replaced\\)");
        io.mmfuse.gan.GanConfig trained = io.mmfuse.gan.GanCheckpoint.info(out.resolve("checkpoint")).config();
        assertThat(trained.generatorConditioning()).isEqualTo(io.mmfuse.gan.GanConfig.GeneratorConditioning.PER_BLOCK);
        assertThat(trained.objectNegatives()).isTrue();
        assertThat(trained.generatorUpsampling()).isEqualTo(io.mmfuse.gan.GanConfig.GeneratorUpsampling.RESIZE_CONV);
        assertThat(trained.wordWeight()).isEqualTo(0.5);
        assertThat(trained.lrG()).isEqualTo(1e-4);
        assertThat(trained.lrD()).isEqualTo(1e-4);
        assertThat(trained.wordClasses()).as("the text model's vocabulary size").isGreaterThan(2);
        assertThat(out.resolve("grid-000002.png")).exists();
        assertThat(out.resolve("grid-000003.png")).exists();

        Path a = dir.resolve("a.png");
        Path b = dir.resolve("b.png");
        for (Path file : new Path[] {a, b}) {
            CliTest.Result r = CliTest.run("generate", "--model", out.resolve("checkpoint").toString(), "--text",
                    "a red circle", "--text", "a blue square above a green cross", "--samples", "3", "--seed", "5",
                    "--out", file.toString(), "--threads", "1");
            assertThat(r.exit()).as(r.err()).isZero();
        }
        byte[] png = Files.readAllBytes(a);
        ImageHeader header = ImageHeader.read("a.png", png);
        assertThat(header.width()).isGreaterThanOrEqualTo(3 * 64);
        assertThat(header.height()).isGreaterThanOrEqualTo(2 * 64);
        assertThat(Files.readAllBytes(b)).isEqualTo(png);

        CliTest.Result blank = CliTest.run("generate", "--model", out.resolve("checkpoint").toString(), "--text", "  ",
                "--out", dir.resolve("c.png").toString());
        assertThat(blank.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(CliTest.lastLine(blank.err())).startsWith("error: text");
        assertThat(dir.resolve("c.png")).doesNotExist();

        CliTest.Result truncated = CliTest.run("generate", "--model", out.resolve("checkpoint").toString(), "--text",
                "a red circle", "--text", "a blue square above a green cross", "--samples", "3", "--seed", "5",
                "--truncation", "0.5", "--out", dir.resolve("d.png").toString(), "--threads", "1");
        assertThat(truncated.exit()).as(truncated.err()).isZero();
        assertThat(Files.readAllBytes(dir.resolve("d.png"))).isNotEqualTo(png);
        CliTest.Result tooMuch = CliTest.run("generate", "--model", out.resolve("checkpoint").toString(), "--text",
                "a red circle", "--truncation", "1.5", "--out", dir.resolve("e.png").toString());
        assertThat(tooMuch.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(CliTest.lastLine(tooMuch.err())).startsWith("error: truncation");
        assertThat(dir.resolve("e.png")).doesNotExist();
        // this fixture's retrieval model reads 32 px images, so it cannot rank the GAN's 64 px ones
        CliTest.Result rerank = CliTest.run("generate", "--model", out.resolve("checkpoint").toString(), "--text",
                "a red circle", "--candidates", "2", "--out", dir.resolve("e.png").toString());
        assertThat(rerank.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(CliTest.lastLine(rerank.err())).startsWith("error: candidates").contains("32");
        assertThat(dir.resolve("e.png")).doesNotExist();
        // ... but a retrieval model of 64 px can
        Path ranker = TrainingJob.run(new TrainingRequest(io.mmfuse.api.Datasets.open(data),
                ModelConfig.defaults().toBuilder().imageSize(64).cnnWidth(4).commonDim(16).build(),
                TrainConfig.builder().epochs(1).batchSize(16).threads(1).build(), 1, 100, dir.resolve("ranker"), null),
                ProgressSink.NONE, s -> { }).checkpoint();
        CliTest.Result ranked = CliTest.run("generate", "--model", out.resolve("checkpoint").toString(), "--text",
                "a red circle", "--samples", "3", "--seed", "5", "--candidates", "2", "--ranker", ranker.toString(),
                "--out", dir.resolve("f.png").toString(), "--threads", "1");
        assertThat(ranked.exit()).as(ranked.err()).isZero();
        assertThat(ImageHeader.read("f.png", Files.readAllBytes(dir.resolve("f.png"))).width()).isGreaterThanOrEqualTo(3 * 64);
        CliTest.Result nothingToRank = CliTest.run("generate", "--model", out.resolve("checkpoint").toString(), "--text",
                "a red circle", "--ranker", ranker.toString(), "--out", dir.resolve("g.png").toString());
        assertThat(nothingToRank.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(CliTest.lastLine(nothingToRank.err())).startsWith("error: --ranker");
        CliTest.Result two = CliTest.run("generate", "--model", out.resolve("checkpoint").toString(), "--text",
                "a red circle", "--samples", "3", "--seed", "5", "--candidates", "2", "--ranker", ranker.toString(),
                "--ranker", ranker.toString(), "--out", dir.resolve("h.png").toString(), "--threads", "1");
        assertThat(two.exit()).as(two.err()).isZero();
        assertThat(dir.resolve("h.png")).as("a ranker twice ranks as once").hasSameBinaryContentAs(dir.resolve("f.png"));
        CliTest.Result refined = CliTest.run("generate", "--model", out.resolve("checkpoint").toString(), "--text",
                "a red circle", "--samples", "3", "--seed", "5", "--candidates", "2", "--refine", "3", "--ranker",
                ranker.toString(), "--out", dir.resolve("i.png").toString(), "--threads", "1");
        assertThat(refined.exit()).as(refined.err()).isZero();
        // one chunk of 6 draws, one ranking pass, 3 steps of the one chunk of 3 refined images
        assertThat(refined.err()).as("progress bar").containsPattern("generate .*5/5");
        assertThat(Files.readAllBytes(dir.resolve("i.png"))).as("refinement moves the picks")
                .isNotEqualTo(Files.readAllBytes(dir.resolve("f.png")));
        CliTest.Result tooManySteps = CliTest.run("generate", "--model", out.resolve("checkpoint").toString(), "--text",
                "a red circle", "--refine", "501", "--ranker", ranker.toString(), "--out", dir.resolve("j.png").toString());
        assertThat(tooManySteps.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(CliTest.lastLine(tooManySteps.err())).startsWith("error: refineSteps");
        CliTest.Result ownCannotRefine = CliTest.run("generate", "--model", out.resolve("checkpoint").toString(), "--text",
                "a red circle", "--refine", "2", "--out", dir.resolve("j.png").toString());
        assertThat(ownCannotRefine.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(CliTest.lastLine(ownCannotRefine.err())).startsWith("error: refineSteps").contains("32");
        assertThat(dir.resolve("j.png")).doesNotExist();
        // serve wires its repeated --gan-ranker the same way: POST /v1/generate returns generate's bytes
        ServeCommand serve = new ServeCommand();
        new CommandLine(serve).parseArgs("--checkpoint", textModel.toString(), "--http-port", "0", "--grpc-port", "-1",
                "--host", "127.0.0.1", "--collections", dir.resolve("collections").toString(), "--gan",
                out.resolve("checkpoint").toString(), "--gan-ranker", ranker.toString(), "--gan-ranker", ranker.toString(),
                "--threads", "1");
        try (MmfuseModel model = MmfuseModel.load(textModel); MmfuseServer server = serve.start(model)) {
            HttpResponse<byte[]> served = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.httpPort() + "/v1/generate"))
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"text\": \"a red circle\", \"samples\": 3, \"seed\": 5, \"candidates\": 2}"))
                    .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(served.statusCode()).as(new String(served.body(), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(200);
            assertThat(served.body()).isEqualTo(Files.readAllBytes(dir.resolve("f.png")));
        }
        // the second ranker is checked too
        CliTest.Result wrongSize = CliTest.run("generate", "--model", out.resolve("checkpoint").toString(), "--text",
                "a red circle", "--candidates", "2", "--ranker", ranker.toString(), "--ranker", textModel.toString(),
                "--out", dir.resolve("g.png").toString());
        assertThat(wrongSize.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(CliTest.lastLine(wrongSize.err())).startsWith("error: ranker").contains("32 px");
        assertThat(dir.resolve("g.png")).doesNotExist();
    }

    @Test
    void anUnknownDiscriminatorIsBadInput() {
        CliTest.Result r = CliTest.run("train-gan", "--text-model", textModel.toString(), "--data", data.toString(),
                "--out", dir.resolve("gan-x").toString(), "--discriminator", "image-only");
        assertThat(r.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(CliTest.lastLine(r.err())).contains("--discriminator").contains("image-only");
    }

    @Test
    void unknownArchitecturesAndOptionsWithoutWhatTheyNeedAreBadInput() {
        CliTest.Result r = CliTest.run("train-gan", "--text-model", textModel.toString(), "--data", data.toString(),
                "--out", dir.resolve("gan-y").toString(), "--conditioning", "attention");
        assertThat(r.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(CliTest.lastLine(r.err())).contains("--conditioning").contains("attention");
        CliTest.Result n = CliTest.run("train-gan", "--text-model", textModel.toString(), "--data", data.toString(),
                "--out", dir.resolve("gan-z").toString(), "--object-negatives");
        assertThat(n.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(CliTest.lastLine(n.err())).contains("objectNegatives");
        CliTest.Result u = CliTest.run("train-gan", "--text-model", textModel.toString(), "--data", data.toString(),
                "--out", dir.resolve("gan-u").toString(), "--upsampling", "pixel-shuffle");
        assertThat(u.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(CliTest.lastLine(u.err())).contains("--upsampling").contains("pixel-shuffle");
        CliTest.Result m = CliTest.run("train-gan", "--text-model", textModel.toString(), "--data", data.toString(),
                "--out", dir.resolve("gan-m").toString(), "--matching-shift", "2");
        assertThat(m.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(CliTest.lastLine(m.err())).contains("matchingShift").contains("matching loss");
        CliTest.Result lr = CliTest.run("train-gan", "--text-model", textModel.toString(), "--data", data.toString(),
                "--out", dir.resolve("gan-l").toString(), "--lr", "0");
        assertThat(lr.exit()).isEqualTo(ExitCodes.BAD_INPUT);
        assertThat(CliTest.lastLine(lr.err())).startsWith("error: --lr").contains("got 0");
        assertThat(dir.resolve("gan-l")).doesNotExist();
        assertThat(dir.resolve("gan-y")).doesNotExist();
        assertThat(dir.resolve("gan-z")).doesNotExist();
        assertThat(dir.resolve("gan-u")).doesNotExist();
        assertThat(dir.resolve("gan-m")).doesNotExist();
    }

    @Test
    void captionerTrainsThenCaptionsGoodImagesAndReportsBadOnes() throws Exception {
        Path out = dir.resolve("cap");
        CliTest.Result train = CliTest.run("train-captioner", "--retrieval-model", textModel.toString(), "--data",
                data.toString(), "--out", out.toString(), "--epochs", "1", "--threads", "1");
        assertThat(train.exit()).as(train.err()).isZero();
        Path captioner = out.resolve("captioner");
        assertThat(captioner).isDirectory();

        Path good = dir.resolve("good.png");
        ImageWriter.writePng(good, new byte[32 * 32 * 3], 32, 32);
        Path bad = dir.resolve("bad.jpg");
        Files.write(bad, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3});
        CliTest.Result r = CliTest.run("caption", "--model", captioner.toString(), "--image", good.toString(),
                "--image", bad.toString(), "-k", "2", "--beam", "2", "--threads", "1");
        assertThat(r.exit()).as(r.err()).isEqualTo(ExitCodes.SKIPPED_INPUTS);
        assertThat(r.out()).contains("retrieval #1").contains("retrieval #2").doesNotContain("retrieval #3")
                .contains("greedy").contains("beam 2").contains("skipped 1 input(s)").contains("bad.jpg");

        Path report = dir.resolve("bleu.json");
        CliTest.Result eval = CliTest.run("eval-captions", "--model", captioner.toString(), "--data", data.toString(),
                "--split", "test", "--beam", "2", "--out", report.toString(), "--threads", "1");
        assertThat(eval.exit()).as(eval.err()).isZero();
        assertThat(eval.out()).contains("BLEU-4").contains("retrieval").contains("greedy").contains("beam");
        assertThat(Files.readString(report)).contains("bleu4");
    }
}
