package io.mmfuse.gan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import io.mmfuse.Cancellation;
import io.mmfuse.CancelledException;
import io.mmfuse.InvalidInputException;
import io.mmfuse.io.CheckpointFiles;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.model.Tensors;
import io.mmfuse.train.CheckpointException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.pytorch.NoGradGuard;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint round trip and the inference entry point, on one briefly trained tiny GAN. */
class TextToImageTest {
    private static final int FLOATS = 3 * 64 * 64;
    private static final int SAMPLES = 3;
    private static final long SEED = 99;

    @TempDir
    static Path shared;
    @TempDir
    Path tmp;

    static List<String> prompts;
    static Path checkpoint;
    static Path trainingGrid;
    static TextToImage t2i;

    @BeforeAll
    static void train() throws Exception {
        Path textModel = GanFixtures.textModel(shared.resolve("text-model"));
        prompts = List.of(GanFixtures.captions().get(0), GanFixtures.captions().get(7));
        Path out = shared.resolve("run");
        try (MmfuseModel model = MmfuseModel.load(textModel, GanFixtures.CPU)) {
            GanTrainOptions options = GanTrainOptions.builder().maxSteps(4).checkpointEvery(4).sampleEvery(4)
                    .outputDir(out).textModelDir(textModel).device(GanFixtures.CPU)
                    .preview(prompts, model.embedTexts(prompts).data()).previewSamples(SAMPLES).previewSeed(SEED).build();
            GanTrainResult r = new GanTrainer(GanFixtures.tiny().build(), options, GanProgressSink.NONE)
                    .train(GanFixtures.data(model));
            checkpoint = r.checkpoint();
            trainingGrid = r.grids().get(0);
        }
        // the checkpoint is self-contained: the original text model is no longer needed
        CheckpointFiles.deleteQuietly(textModel);
        t2i = TextToImage.load(checkpoint, GanFixtures.CPU);
    }

    @AfterAll
    static void close() {
        t2i.close();
    }

    @Test
    void theLoadedCheckpointDrawsExactlyWhatTheTrainerDrew() throws Exception {
        assertThat(t2i.step()).isEqualTo(4);
        assertThat(t2i.config()).isEqualTo(GanFixtures.tiny().build());
        assertThat(t2i.generatePng(prompts, SAMPLES, SEED)).isEqualTo(Files.readAllBytes(trainingGrid));
    }

    @Test
    void imagesHaveTheDocumentedShapeAndRange() {
        float[] images = t2i.generate(prompts.get(0), 5, 1L);
        assertThat(images).hasSize(5 * FLOATS);
        for (float v : images) {
            assertThat(v).isBetween(-1f, 1f);
        }
        assertThat(images).isNotEqualTo(new float[images.length]);
    }

    @Test
    void theSeedDecidesTheImages() {
        float[] a = t2i.generate(prompts.get(0), 2, 5L);
        assertThat(t2i.generate(prompts.get(0), 2, 5L)).containsExactly(a);
        assertThat(Arrays.equals(t2i.generate(prompts.get(0), 2, 6L), a)).isFalse();
        assertThat(Arrays.equals(t2i.generate(prompts.get(1), 2, 5L), a)).as("the caption matters").isFalse();
    }

    @Test
    void truncationOneIsTheDefaultAndZeroDrawsOneImagePerPrompt() {
        String p = prompts.get(0);
        assertThat(t2i.generate(p, 3, 9L, Sampling.DEFAULT)).containsExactly(t2i.generate(p, 3, 9L));
        float[] mean = t2i.generate(p, 3, 9L, new Sampling(0.0, 1));
        for (int j = 1; j < 3; j++) {
            assertThat(Arrays.copyOfRange(mean, j * FLOATS, (j + 1) * FLOATS))
                    .as("sample %d at truncation 0", j).containsExactly(Arrays.copyOfRange(mean, 0, FLOATS));
        }
        assertThat(t2i.generate(p, 3, 10L, new Sampling(0.0, 1))).as("no noise left for the seed to change").containsExactly(mean);
        float[] half = t2i.generate(p, 3, 9L, new Sampling(0.5, 1));
        assertThat(t2i.generate(p, 3, 9L, new Sampling(0.5, 1))).containsExactly(half);
        assertThat(Arrays.equals(half, mean)).isFalse();
        assertThat(Arrays.equals(half, t2i.generate(p, 3, 9L))).isFalse();
        assertThat(t2i.generatePng(List.of(p), 2, 9L, new Sampling(0.5, 1))).isNotEqualTo(t2i.generatePng(List.of(p), 2, 9L));
    }

    @Test
    void samplingOutsideItsRangesIsRejectedByName() {
        for (double bad : new double[] {-0.1, 1.01, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertRejected(() -> new Sampling(bad, 1), "truncation");
        }
        assertRejected(() -> new Sampling(1, 0), "candidates");
        assertRejected(() -> new Sampling(1, Sampling.MAX_CANDIDATES + 1), "candidates");
        assertRejected(() -> t2i.generate(prompts, TextToImage.MAX_SAMPLES, 0, Sampling.DEFAULT.withCandidates(
                TextToImage.MAX_DRAWS / TextToImage.MAX_SAMPLES)), "candidates");
        assertRejected(() -> t2i.generate(prompts.get(0), 1, 0, null), "sampling");
    }

    @Test
    void reRankingKeepsTheCandidateTheRetrievalModelScoresHighest() {
        String p = prompts.get(1);
        int candidates = 3;
        Sampling sampling = Sampling.DEFAULT.withCandidates(candidates);
        float[] plain = t2i.generate(p, 2 * candidates, 4L);
        float[] ranked = t2i.generate(p, 2, 4L, sampling);
        assertThat(ranked).hasSize(2 * FLOATS);
        assertThat(t2i.generate(p, 2, 4L, sampling)).containsExactly(ranked);
        try (MmfuseModel model = MmfuseModel.load(GanCheckpoint.info(checkpoint).textModel(), GanFixtures.CPU)) {
            float[] text = model.embedTexts(List.of(p)).row(0);
            io.mmfuse.search.FloatMatrix e = model.embedDecoded(plain, 2 * candidates);
            for (int j = 0; j < 2; j++) {
                int best = j * candidates;
                for (int c = j * candidates + 1; c < (j + 1) * candidates; c++) {
                    best = dot(e.row(c), text) > dot(e.row(best), text) ? c : best;
                }
                assertThat(Arrays.copyOfRange(ranked, j * FLOATS, (j + 1) * FLOATS)).as("sample %d", j)
                        .containsExactly(Arrays.copyOfRange(plain, best * FLOATS, (best + 1) * FLOATS));
            }
        }
    }

    @Test
    void refinementRaisesTheCosineOfTheKeptImagesWithTheirPrompt() {
        int samples = 4;
        Sampling ranked = Sampling.DEFAULT.withCandidates(2);
        float[] picked = t2i.generate(prompts, samples, 4L, ranked);
        float[] refined = t2i.generate(prompts, samples, 4L, ranked.withRefineSteps(10));
        assertThat(refined).hasSize(prompts.size() * samples * FLOATS);
        assertThat(t2i.generate(prompts, samples, 4L, ranked.withRefineSteps(10))).as("same seed, same images")
                .containsExactly(refined);
        assertThat(t2i.generate(prompts, samples, 4L, ranked.withRefineSteps(0))).as("no steps: the ranked picks")
                .containsExactly(picked);
        // row i of a batch is the single-prompt call, up to float rounding (this barely trained fixture moves its
        // images by about 1e-4 per 10 steps, so LatentRefinementTest checks that on an untrained generator that moves more)
        assertThat(maxAbsDifference(Arrays.copyOfRange(refined, samples * FLOATS, 2 * samples * FLOATS),
                t2i.generate(prompts.get(1), samples, 4L, ranked.withRefineSteps(10)))).isLessThan(1e-5);
        try (MmfuseModel model = MmfuseModel.load(GanCheckpoint.info(checkpoint).textModel(), GanFixtures.CPU)) {
            float[] text = model.embedTexts(prompts).data();
            int n = prompts.size() * samples;
            double before = Arrays.stream(CandidateRanking.cosines(model.embedDecoded(picked, n), text, prompts.size())).sum();
            double after = Arrays.stream(CandidateRanking.cosines(model.embedDecoded(refined, n), text, prompts.size())).sum();
            assertThat(after).as("summed cosine of %d images", n).isGreaterThan(before);
        }
        assertRejected(() -> new Sampling(1, 1, -1), "refineSteps");
        assertRejected(() -> new Sampling(1, 1, Sampling.MAX_REFINE_STEPS + 1), "refineSteps");
    }

    @Test
    void refinementFreesWhatEachStepAllocates() {
        Sampling refine = Sampling.DEFAULT.withRefineSteps(20);
        for (int i = 0; i < 3; i++) {
            t2i.generate(prompts, 8, i, refine); // warm-up: allocator pools and JIT settle
        }
        long warm = org.bytedeco.javacpp.Pointer.physicalBytes();
        for (int i = 0; i < 15; i++) {
            t2i.generate(prompts, 8, i, refine);
        }
        // 300 steps of 16 images: a leaked step's images alone would add about 240 MB
        assertThat(org.bytedeco.javacpp.Pointer.physicalBytes()).as("resident bytes after 15 more calls, %d after warm-up", warm)
                .isLessThan(warm + (32L << 20));
    }

    @Test
    void aCancelledCallStopsAtTheNextStepFreesItsMemoryAndTheInstanceCarriesOn() {
        Sampling refine = Sampling.DEFAULT.withCandidates(2).withRefineSteps(Sampling.MAX_REFINE_STEPS);
        AtomicInteger asked = new AtomicInteger();
        // asked before the one chunk of 16 draws, before the one ranker, then before each step
        assertThatThrownBy(() -> t2i.generate(prompts, 4, 4L, refine, () -> asked.incrementAndGet() > 5,
                GenerationProgress.NONE))
                .isInstanceOf(CancelledException.class).hasMessageContaining("refining images");
        assertThat(asked.get()).as("times asked: cancelled before the fourth of %d steps", Sampling.MAX_REFINE_STEPS).isEqualTo(6);
        assertThatThrownBy(() -> t2i.generatePng(prompts.get(0), 4, 4L, refine, () -> true))
                .isInstanceOf(CancelledException.class).hasMessageContaining("generating images");
        Sampling short10 = refine.withRefineSteps(10);
        assertThat(t2i.generate(prompts, 4, 4L, short10, () -> false, GenerationProgress.NONE)).as("never cancelled: the plain call's images")
                .containsExactly(t2i.generate(prompts, 4, 4L, short10));
        assertRejected(() -> t2i.generate(prompts, 4, 4L, short10, null, GenerationProgress.NONE), "cancel");

        for (int i = 0; i < 3; i++) {
            cancelledAfterSteps(refine, 20); // warm-up
        }
        long warm = org.bytedeco.javacpp.Pointer.physicalBytes();
        for (int i = 0; i < 15; i++) {
            cancelledAfterSteps(refine, 20);
        }
        assertThat(org.bytedeco.javacpp.Pointer.physicalBytes()).as("resident bytes after 15 more cancelled calls, %d after warm-up", warm)
                .isLessThan(warm + (32L << 20));
    }

    @Test
    void aLongRefinementLetsOtherCallsThroughBetweenItsSteps() throws Exception {
        float[] expected = t2i.generate(prompts.get(0), 2, 3L);
        CountDownLatch refining = new CountDownLatch(1);
        AtomicBoolean otherCallDone = new AtomicBoolean();
        AtomicInteger asked = new AtomicInteger();
        Cancellation untilTheOtherCallReturns = () -> {
            if (asked.incrementAndGet() > 4) { // past drawing and ranking: in the steps
                refining.countDown();
            }
            return otherCallDone.get();
        };
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<float[]> refinement = pool.submit(() -> t2i.generate(prompts, 4, 4L,
                    Sampling.DEFAULT.withCandidates(2).withRefineSteps(Sampling.MAX_REFINE_STEPS), untilTheOtherCallReturns,
                    GenerationProgress.NONE));
            assertThat(refining.await(60, TimeUnit.SECONDS)).isTrue();
            assertThat(t2i.generate(prompts.get(0), 2, 3L)).containsExactly(expected);
            otherCallDone.set(true);
            // had the refinement held the generator for all its steps, the other call would have returned after it
            assertThatThrownBy(refinement::get).as("the refinement, %d asks", asked.get())
                    .hasCauseInstanceOf(CancelledException.class);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void closingDuringARefinementEndsItWithAnErrorBetweenSteps() throws Exception {
        TextToImage own = TextToImage.load(checkpoint, GanFixtures.CPU);
        CountDownLatch refining = new CountDownLatch(1);
        AtomicInteger asked = new AtomicInteger();
        Cancellation counting = () -> {
            if (asked.incrementAndGet() > 4) {
                refining.countDown();
            }
            return false;
        };
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<float[]> refinement = pool.submit(() -> own.generate(prompts, 4, 4L,
                    Sampling.DEFAULT.withCandidates(2).withRefineSteps(Sampling.MAX_REFINE_STEPS), counting, GenerationProgress.NONE));
            assertThat(refining.await(60, TimeUnit.SECONDS)).isTrue();
            own.close(); // takes the lock between two steps and frees the generator
            assertThatThrownBy(refinement::get).as("the refinement, %d asks", asked.get())
                    .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            assertThat(asked.get()).isLessThan(3 + Sampling.MAX_REFINE_STEPS);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void progressCountsChunksRankingPassesAndStepsUpToTheTotal() {
        List<long[]> reports = new java.util.ArrayList<>();
        GenerationProgress record = (done, total) -> reports.add(new long[] {done, total});
        // 2 prompts x 4 samples x 2 candidates: one chunk of 16 draws, one ranker, 8 images refined 10 steps in one chunk
        float[] images = t2i.generate(prompts, 4, 4L, Sampling.DEFAULT.withCandidates(2).withRefineSteps(10),
                Cancellation.NONE, record);
        assertThat(images).containsExactly(t2i.generate(prompts, 4, 4L, Sampling.DEFAULT.withCandidates(2).withRefineSteps(10)));
        assertThat(reports).extracting(r -> r[1]).containsOnly(12L);
        assertThat(reports).extracting(r -> r[0]).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
        reports.clear();
        // 2 x 40 plain draws: two chunks of 64 and 16
        t2i.generate(prompts, 40, 4L, Sampling.DEFAULT, Cancellation.NONE, record);
        assertThat(reports).extracting(r -> r[0] + "/" + r[1]).containsExactly("0/2", "1/2", "2/2");
        assertRejected(() -> t2i.generate(prompts, 4, 4L, Sampling.DEFAULT, Cancellation.NONE, null), "progress");
    }

    private static void cancelledAfterSteps(Sampling sampling, int steps) {
        AtomicInteger asked = new AtomicInteger();
        assertThatThrownBy(() -> t2i.generate(prompts, 8, 4L, sampling, () -> asked.incrementAndGet() > 2 + steps,
                GenerationProgress.NONE))
                .isInstanceOf(CancelledException.class);
    }

    @Test
    void aRankerOfTheCallersRanksTheSameCandidatesByItsOwnEmbeddings() {
        Path rankerDir = GanFixtures.textModel(tmp.resolve("ranker"), 64, 11, GanFixtures.captions());
        String p = prompts.get(1);
        int samples = 4;
        int candidates = 4;
        Sampling sampling = Sampling.DEFAULT.withCandidates(candidates);
        float[] plain = t2i.generate(p, samples * candidates, 4L);
        try (TextToImage ranked = TextToImage.load(checkpoint, GanFixtures.CPU, rankerDir);
             MmfuseModel ranker = MmfuseModel.load(rankerDir, GanFixtures.CPU)) {
            float[] out = ranked.generate(p, samples, 4L, sampling);
            assertThat(out).containsExactly(CandidateRanking.best(plain, ranker.embedDecoded(plain, samples * candidates),
                    ranker.embedTexts(List.of(p)).data(), 1, samples, candidates));
            assertThat(out).as("picked by another model than the checkpoint's").isNotEqualTo(t2i.generate(p, samples, 4L, sampling));
            assertThat(ranked.generate(p, samples, 4L)).as("one candidate: nothing to rank").containsExactly(t2i.generate(p, samples, 4L));
        }
    }

    @Test
    void severalRankersRankTogetherByTheirStandardisedCosines() {
        Path first = GanFixtures.textModel(tmp.resolve("ranker-a"), 64, 11, GanFixtures.captions());
        Path second = GanFixtures.textModel(tmp.resolve("ranker-b"), 64, 12, GanFixtures.captions());
        String p = prompts.get(1);
        int samples = 4;
        int candidates = 4;
        Sampling sampling = Sampling.DEFAULT.withCandidates(candidates);
        float[] plain = t2i.generate(p, samples * candidates, 4L);
        try (TextToImage ranked = TextToImage.load(checkpoint, GanFixtures.CPU, List.of(first, second));
             MmfuseModel a = MmfuseModel.load(first, GanFixtures.CPU);
             MmfuseModel b = MmfuseModel.load(second, GanFixtures.CPU)) {
            List<double[]> scores = List.of(
                    CandidateRanking.cosines(a.embedDecoded(plain, samples * candidates), a.embedTexts(List.of(p)).data(), 1),
                    CandidateRanking.cosines(b.embedDecoded(plain, samples * candidates), b.embedTexts(List.of(p)).data(), 1));
            float[] together = CandidateRanking.best(plain, scores, 1, samples, candidates);
            assertThat(together).as("the fixture's second ranker changes a pick")
                    .isNotEqualTo(CandidateRanking.best(plain, scores.subList(0, 1), 1, samples, candidates));
            assertThat(ranked.generate(p, samples, 4L, sampling)).containsExactly(together);
        }
        assertRejected(() -> TextToImage.load(checkpoint, GanFixtures.CPU,
                java.util.Collections.nCopies(TextToImage.MAX_RANKERS + 1, first)), "ranker");
    }

    @Test
    void aRankerMustReadTheGansImagesAndThePromptsWords() {
        Path small = GanFixtures.textModel(tmp.resolve("ranker-32"), 32, 11, GanFixtures.captions());
        assertRejected(() -> TextToImage.load(checkpoint, GanFixtures.CPU, small), "ranker");
        String word = "circle";
        Path narrow = GanFixtures.textModel(tmp.resolve("ranker-narrow"), 64, 11,
                GanFixtures.captions().stream().filter(c -> !c.contains(word)).toList());
        try (TextToImage ranked = TextToImage.load(checkpoint, GanFixtures.CPU, narrow)) {
            assertThat(ranked.generate(word, 1, 1L)).as("no candidates, no ranker").hasSize(FLOATS);
            assertThatThrownBy(() -> ranked.generate(word, 1, 1L, Sampling.DEFAULT.withCandidates(2)))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("text: ranker:");
        }
    }

    private static double maxAbsDifference(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    @Test
    void eachRowOfABatchEqualsTheSinglePromptCall() {
        float[] batch = t2i.generate(prompts, 2, 11L);
        assertThat(batch).hasSize(2 * 2 * FLOATS);
        // equal up to float rounding: LibTorch's CPU kernels pick their blocking by batch size
        assertThat(Arrays.copyOfRange(batch, 0, 2 * FLOATS))
                .containsExactly(t2i.generate(prompts.get(0), 2, 11L), org.assertj.core.data.Offset.offset(1e-5f));
        assertThat(Arrays.copyOfRange(batch, 2 * FLOATS, 4 * FLOATS))
                .containsExactly(t2i.generate(prompts.get(1), 2, 11L), org.assertj.core.data.Offset.offset(1e-5f));
    }

    @Test
    void concurrentCallsGetTheSameImagesAsSerialOnes() throws Exception {
        float[] expected = t2i.generate(prompts.get(1), 4, 3L);
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<float[]>> runs = pool.invokeAll(java.util.Collections.nCopies(6, () -> t2i.generate(prompts.get(1), 4, 3L)));
            for (Future<float[]> f : runs) {
                assertThat(f.get()).containsExactly(expected);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void thePngIsAOneRowGridThatDecodes() {
        byte[] png = t2i.generatePng(prompts.get(0), 4, 2L);
        try (PointerScope scope = new PointerScope()) {
            Mat m = imdecode(new Mat(new BytePointer(png)), IMREAD_COLOR);
            assertThat(m.cols()).isEqualTo(SampleGrid.width(4));
            assertThat(m.rows()).isEqualTo(SampleGrid.height(1));
        }
    }

    @Test
    void badPromptsAndSampleCountsAreRejectedByName() {
        assertRejected(() -> t2i.generate((String) null, 1, 0), "text");
        assertRejected(() -> t2i.generate("", 1, 0), "text");
        assertRejected(() -> t2i.generate(" \t\n", 1, 0), "text");
        assertRejected(() -> t2i.generate("x".repeat(TextToImage.MAX_PROMPT_CHARS + 1), 1, 0), "text");
        assertRejected(() -> t2i.generate("zebra xylophone quantum", 1, 0), "text");
        assertRejected(() -> t2i.generate("?!.,", 1, 0), "text");
        String known = prompts.get(0).split(" ")[1];
        assertRejected(() -> t2i.generate((known + " ").repeat(13), 1, 0), "text"); // maxTokens is 12
        assertThat(t2i.generate((known + " ").repeat(12), 1, 0)).hasSize(FLOATS);
        assertRejected(() -> t2i.generate(prompts.get(0), 0, 0), "samples");
        assertRejected(() -> t2i.generate(prompts.get(0), TextToImage.MAX_SAMPLES + 1, 0), "samples");
        assertRejected(() -> t2i.generate(List.of(prompts.get(0), "  "), 1, 0), "texts[1]");
        assertRejected(() -> t2i.generate(List.of(), 1, 0), "texts");
    }

    @Test
    void discriminatorScoresAreTheCheckpointsDiscriminatorOnEachImageAgainstItsOwnPrompt() {
        int perPrompt = 40; // 80 images: more than one of the scorer's batches
        float[] images = t2i.generate(prompts, perPrompt, 3L);
        float[] scores = t2i.discriminatorScores(prompts, images, perPrompt);
        assertThat(scores).hasSize(2 * perPrompt);
        try (MmfuseModel text = MmfuseModel.load(checkpoint.resolve(GanCheckpoint.TEXT_MODEL_DIR), GanFixtures.CPU);
                Discriminator d = GanCheckpoint.loadDiscriminator(checkpoint, GanFixtures.CPU)) {
            float[] embeddings = text.embedTexts(prompts).data();
            int dim = text.dimension();
            for (int i : new int[] {0, 39, 40, 63, 64, 79}) {
                int row = i / perPrompt;
                try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                    float[] own = Tensors.toHeap(d.forward(
                            Tensors.floats(images, i * FLOATS, FLOATS, GanFixtures.CPU.toTorch(), 1, 3, 64, 64),
                            Tensors.floats(embeddings, row * dim, dim, GanFixtures.CPU.toTorch(), 1, dim)));
                    assertThat(scores[i]).as("image %d, prompt %d", i, row).isCloseTo(own[0], offset(1e-4f));
                }
            }
        }
        // the same images against the other prompts: a matching-aware discriminator reads the caption
        List<String> swapped = List.of(prompts.get(1), prompts.get(0));
        assertThat(t2i.discriminatorScores(swapped, images, perPrompt)).isNotEqualTo(scores);
        assertThat(t2i.discriminatorScores(prompts, images, perPrompt)).containsExactly(scores);
    }

    @Test
    void discriminatorScoresRejectImagesThatDoNotFitByName() {
        float[] images = t2i.generate(prompts, 2, 3L);
        assertRejected(() -> t2i.discriminatorScores(prompts, Arrays.copyOf(images, images.length - 1), 2), "images");
        assertRejected(() -> t2i.discriminatorScores(prompts, images, 1), "images");
        assertRejected(() -> t2i.discriminatorScores(prompts, null, 2), "images");
        assertRejected(() -> t2i.discriminatorScores(prompts, images, 0), "perPrompt");
        assertRejected(() -> t2i.discriminatorScores(List.of(), images, 2), "texts");
        float[] nan = images.clone();
        nan[FLOATS + 5] = Float.NaN;
        assertThatThrownBy(() -> t2i.discriminatorScores(prompts, nan, 2)).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e).hasMessageContaining("image 1"));
    }

    @Test
    void aCorruptDiscriminatorFailsOnlyTheCallThatScoresWithIt() throws Exception {
        Path copy = tmp.resolve("copy");
        CheckpointFiles.copyTree(checkpoint, copy);
        Files.write(copy.resolve(GanCheckpoint.DISCRIMINATOR), "truncated".getBytes(StandardCharsets.UTF_8));
        try (TextToImage loaded = TextToImage.load(copy, GanFixtures.CPU)) {
            float[] images = loaded.generate(prompts.get(0), 2, 3L);
            assertThat(images).containsExactly(t2i.generate(prompts.get(0), 2, 3L));
            assertThatThrownBy(() -> loaded.discriminatorScores(prompts.subList(0, 1), images, 2))
                    .isInstanceOf(CheckpointException.class).hasMessageContaining("checksum");
        }
    }

    @Test
    void anotherFormatVersionOrACorruptFileIsATypedError() throws Exception {
        Path copy = tmp.resolve("copy");
        CheckpointFiles.copyTree(checkpoint, copy);
        Path manifest = copy.resolve(GanCheckpoint.MANIFEST);
        String json = Files.readString(manifest);
        Files.writeString(manifest, json.replace("\"formatVersion\" : 1", "\"formatVersion\" : 2"));
        assertThatThrownBy(() -> TextToImage.load(copy, GanFixtures.CPU)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("format version 2");
        Files.writeString(manifest, json.replace(GanCheckpoint.FORMAT, "something-else"));
        assertThatThrownBy(() -> TextToImage.load(copy, GanFixtures.CPU)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("not a GAN checkpoint");
        Files.writeString(manifest, json);
        Files.write(copy.resolve(GanCheckpoint.SAMPLER), "truncated".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> TextToImage.load(copy, GanFixtures.CPU)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("checksum");
        assertThatThrownBy(() -> TextToImage.load(tmp.resolve("missing"), GanFixtures.CPU))
                .isInstanceOf(CheckpointException.class);
    }

    private static void assertRejected(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String input) {
        assertThatThrownBy(call).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e.input()).isEqualTo(input));
    }
}
