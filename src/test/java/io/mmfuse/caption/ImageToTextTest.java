package io.mmfuse.caption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmfuse.InvalidInputException;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.data.Dataset;
import io.mmfuse.data.Sample;
import io.mmfuse.image.ImageDecodeException;
import io.mmfuse.image.ImageSource;
import io.mmfuse.search.FloatMatrix;
import io.mmfuse.train.CheckpointException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dataset + retrieval checkpoint -> captioner checkpoint -> ImageToText, on synthetic shapes with
 * an untrained 32-d retrieval model (the tests check plumbing and exactness, not caption quality).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageToTextTest {
    private Path dir;
    private Dataset dataset;
    private Path retrieval;
    private CaptionTrainingJob.Outcome outcome;

    @BeforeAll
    void trainCaptioner(@TempDir Path tempDir) {
        dir = tempDir;
        dataset = CaptionFixtures.shapes(24, 6, 8);
        retrieval = CaptionFixtures.retrievalCheckpoint(dir.resolve("retrieval"), dataset);
        CaptionDecoderConfig decoder = CaptionDecoderConfig.builder().tokenDim(32).hiddenDim(64).dropout(0.0)
                .maxLength(12).build();
        CaptionTrainConfig train = CaptionTrainConfig.builder().epochs(25).batchSize(16).learningRate(1e-2).threads(2)
                .build();
        List<String> status = new ArrayList<>();
        outcome = CaptionTrainingJob.run(new CaptionTrainingRequest(dataset, retrieval, decoder, train, 1, 1000, 2,
                dir.resolve("run")), CaptionProgress.NONE, status::add);
        assertThat(status).isNotEmpty();
    }

    @Test
    void theJobTrainsAndWritesASelfContainedCheckpoint() throws Exception {
        CaptionTrainResult r = outcome.result();
        assertThat(r.last().loss()).isLessThan(r.history().get(0).loss() * 0.6);
        assertThat(r.bestValidationLoss()).isLessThan(r.history().get(0).validationLoss());
        Path ckpt = outcome.checkpoint();
        assertThat(ckpt.resolve(CaptionerCheckpoint.WEIGHTS)).isRegularFile();
        assertThat(ckpt.resolve(CaptionerCheckpoint.VOCABULARY)).isRegularFile();
        assertThat(ckpt.resolve(CaptionerCheckpoint.RETRIEVAL_MODEL).resolve("model.pt")).isRegularFile();
        List<String> corpus = Files.readAllLines(ckpt.resolve(CaptionerCheckpoint.CORPUS));
        assertThat(corpus).hasSize(outcome.corpusSize())
                .isEqualTo(RetrievalCaptioner.deduplicate(CaptionFixtures.captions(dataset.train())));
        JsonNode report = new ObjectMapper().readTree(dir.resolve("run").resolve("caption-train-report.json").toFile());
        assertThat(report.path("history").size()).isEqualTo(r.history().size());
        try (Stream<Path> siblings = Files.list(ckpt.getParent())) {
            assertThat(siblings.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".tmp-"));
        }
    }

    @Test
    void saveAndLoadGiveIdenticalCaptions() {
        Map<String, String> greedy = new HashMap<>();
        Map<String, List<GeneratedCaption>> beams = new HashMap<>();
        Path copy = dir.resolve("resaved");
        try (CaptionerCheckpoint.Loaded loaded = CaptionerCheckpoint.load(outcome.checkpoint(), CaptionFixtures.CPU);
                MmfuseModel model = MmfuseModel.load(loaded.retrievalModel(), CaptionFixtures.CPU)) {
            CaptionGenerator g = new CaptionGenerator(loaded.decoder(), loaded.vocabulary());
            for (Sample s : dataset.test()) {
                FloatMatrix e = model.embedImage(s.image());
                greedy.put(s.imageId(), g.greedy(e).get(0).text());
                beams.put(s.imageId(), g.beam(e.row(0), 3));
            }
            CaptionerCheckpoint.save(copy, loaded.decoder(), loaded.vocabulary(), loaded.corpus(), loaded.retrievalModel());
        }
        try (ImageToText captioner = ImageToText.load(copy, CaptionFixtures.CPU)) {
            for (Sample s : dataset.test()) {
                assertThat(captioner.captionGreedy(s.image()).text()).isEqualTo(greedy.get(s.imageId()));
                assertThat(captioner.captionBeam(s.image(), 3)).isEqualTo(beams.get(s.imageId()));
            }
            assertThat(greedy.values()).allMatch(t -> !t.isEmpty());
        }
    }

    @Test
    void retrievalWorksFromTheCheckpointAlone() {
        try (ImageToText captioner = ImageToText.load(outcome.checkpoint(), CaptionFixtures.CPU)) {
            Sample s = dataset.test().get(0);
            List<RetrievedCaption> hits = captioner.retrieve(s.image(), 3);
            assertThat(hits).hasSize(3);
            assertThat(hits).extracting(RetrievedCaption::rank).containsExactly(1, 2, 3);
            assertThat(hits).extracting(RetrievedCaption::distance).isSorted();
            assertThat(captioner.corpus()).contains(hits.get(0).caption());
            assertThat(captioner.retrieveAll(captioner.retrievalModel().embedImage(s.image()), 3).get(0)).isEqualTo(hits);
        }
    }

    /** Identity-like: a corpus caption's own text embedding finds that caption (or one with the same words) at distance 0. */
    @Test
    void retrievalCaptionerFindsTheCaptionOfTheSameItem() {
        try (MmfuseModel model = MmfuseModel.load(retrieval, CaptionFixtures.CPU)) {
            List<String> corpus = new ArrayList<>(CaptionFixtures.captions(dataset.train()));
            corpus.add(corpus.get(0).toUpperCase() + " .");
            try (RetrievalCaptioner rc = RetrievalCaptioner.build(model, corpus)) {
                assertThat(rc.size()).isEqualTo(RetrievalCaptioner.deduplicate(corpus).size()).isLessThan(corpus.size());
                FloatMatrix queries = model.embedTexts(rc.corpus());
                List<List<RetrievedCaption>> hits = rc.captionAll(queries, 1);
                for (int i = 0; i < rc.size(); i++) {
                    RetrievedCaption top = hits.get(i).get(0);
                    assertThat(top.distance()).isLessThan(1e-4f);
                    // A bag-of-words encoder gives reorderings of the same words the same vector.
                    assertThat(sorted(Bleu.tokens(top.caption()))).isEqualTo(sorted(Bleu.tokens(rc.corpus().get(i))));
                }
                assertThat(rc.caption(queries.row(5), rc.size())).hasSize(rc.size());
                assertThatThrownBy(() -> rc.caption(queries.row(0), 0)).isInstanceOf(InvalidInputException.class)
                        .hasMessageContaining("k");
                assertThatThrownBy(() -> rc.caption(queries.row(0), rc.size() + 1))
                        .isInstanceOf(InvalidInputException.class).hasMessageContaining("k");
                assertThatThrownBy(() -> rc.caption(new float[3], 1)).isInstanceOf(InvalidInputException.class)
                        .hasMessageContaining("imageEmbeddings");
            }
            assertThatThrownBy(() -> RetrievalCaptioner.build(model, List.of())).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("corpus");
            assertThatThrownBy(() -> RetrievalCaptioner.build(model, List.of(" . ", "!")))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("corpus");
            assertThatThrownBy(() -> RetrievalCaptioner.build(model, List.of("zebra quantum")))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("corpus");
        }
    }

    @Test
    void badArgumentsAndBadImagesAreTyped() {
        try (ImageToText captioner = ImageToText.load(outcome.checkpoint(), CaptionFixtures.CPU)) {
            ImageSource image = dataset.test().get(0).image();
            assertThatThrownBy(() -> captioner.retrieve(image, 0)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("k");
            assertThatThrownBy(() -> captioner.captionBeam(image, 0)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("width");
            assertThatThrownBy(() -> captioner.beam(new float[32], -1)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("width");
            ImageSource broken = ImageSource.of("broken.png", new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
            assertThatThrownBy(() -> captioner.captionGreedy(broken)).isInstanceOf(ImageDecodeException.class)
                    .hasMessageContaining("broken.png");
            assertThatThrownBy(() -> captioner.retrieve(broken, 1)).isInstanceOf(ImageDecodeException.class);
            captioner.close();
            assertThatThrownBy(() -> captioner.captionGreedy(image)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void wrongFormatVersionOrCorruptFilesAreTypedErrors() throws Exception {
        Path copy = dir.resolve("tampered");
        copyTree(outcome.checkpoint(), copy);
        Path cfg = copy.resolve(CaptionerCheckpoint.CONFIG);
        String manifest = Files.readString(cfg);
        Files.writeString(cfg, manifest.replace("\"formatVersion\" : 1", "\"formatVersion\" : 2"));
        assertThatThrownBy(() -> CaptionerCheckpoint.load(copy, CaptionFixtures.CPU)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("format version 2");
        Files.writeString(cfg, manifest.replace("mmfuse-captioner", "something-else"));
        assertThatThrownBy(() -> ImageToText.load(copy, CaptionFixtures.CPU)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("not a captioner checkpoint");
        Files.writeString(cfg, manifest);
        Files.writeString(copy.resolve(CaptionerCheckpoint.CORPUS), "a red circle\n", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> ImageToText.load(copy, CaptionFixtures.CPU)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("corpus.txt");
        assertThatThrownBy(() -> ImageToText.load(retrieval, CaptionFixtures.CPU)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("not a captioner checkpoint");
        assertThatThrownBy(() -> ImageToText.load(dir.resolve("nothing-here"), CaptionFixtures.CPU))
                .isInstanceOf(CheckpointException.class);
        // Saving over someone else's directory is refused.
        try (CaptionerCheckpoint.Loaded loaded = CaptionerCheckpoint.load(outcome.checkpoint(), CaptionFixtures.CPU)) {
            assertThatThrownBy(() -> CaptionerCheckpoint.save(retrieval, loaded.decoder(), loaded.vocabulary(),
                    loaded.corpus(), loaded.retrievalModel())).isInstanceOf(InvalidInputException.class);
            assertThatThrownBy(() -> CaptionerCheckpoint.save(dir.resolve("x"), loaded.decoder(), loaded.vocabulary(),
                    List.of(), loaded.retrievalModel())).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("corpus");
        }
    }

    @Test
    void concurrentCaptioningMatchesSequential() throws Exception {
        try (ImageToText captioner = ImageToText.load(outcome.checkpoint(), CaptionFixtures.CPU)) {
            List<Sample> samples = dataset.test();
            List<String> expected = new ArrayList<>();
            for (Sample s : samples) {
                expected.add(captioner.captionBeam(s.image(), 2).get(0).text());
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<String>> futures = new ArrayList<>();
                for (int round = 0; round < 3; round++) {
                    for (Sample s : samples) {
                        futures.add(pool.submit(() -> captioner.captionBeam(s.image(), 2).get(0).text()));
                    }
                }
                for (int i = 0; i < futures.size(); i++) {
                    assertThat(futures.get(i).get()).isEqualTo(expected.get(i % samples.size()));
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void evaluationScoresAllThreeMethodsAndWritesJson() throws Exception {
        try (ImageToText captioner = ImageToText.load(outcome.checkpoint(), CaptionFixtures.CPU)) {
            List<Sample> samples = new ArrayList<>(dataset.test());
            samples.add(new Sample("broken", ImageSource.of("broken.jpg", new byte[] {1, 2, 3}), List.of("a red circle")));
            CaptionEvaluation.Report report = CaptionEvaluation.evaluate(captioner, "test", samples, 3, 2, null);
            assertThat(report.images()).isEqualTo(8);
            assertThat(report.references()).isEqualTo(16);
            assertThat(report.skipped()).extracting(s -> s.input()).containsExactly("broken");
            for (CaptionEvaluation.MethodScore m : List.of(report.retrieval(), report.greedy(), report.beam())) {
                assertThat(m.bleu1()).isBetween(0.0, 1.0);
                assertThat(m.bleu4()).isBetween(0.0, m.bleu1());
            }
            // Shapes captions share most words: even an untrained retrieval model gets unigrams right.
            assertThat(report.retrieval().bleu1()).isGreaterThan(0.3);
            assertThat(report.beam().method()).isEqualTo("beam3");
            assertThat(report.examples()).hasSize(5);
            Path json = dir.resolve("eval").resolve("caption-eval.json");
            report.writeJson(json);
            JsonNode node = new ObjectMapper().readTree(json.toFile());
            assertThat(node.path("greedy").path("bleu4").asDouble()).isEqualTo(report.greedy().bleu4());
            assertThat(node.path("images").asInt()).isEqualTo(8);
            assertThatThrownBy(() -> CaptionEvaluation.evaluate(captioner, "test", samples, 0, 2, null))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("beamWidth");
        }
    }

    private static List<String> sorted(List<String> tokens) {
        return tokens.stream().sorted().toList();
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path dst = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(dst);
                } else {
                    Files.copy(p, dst, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
