package io.mmfuse.bench.generation;

import io.mmfuse.api.MmfuseModel;
import io.mmfuse.api.PreparedSplit;
import io.mmfuse.api.SplitPreparer;
import io.mmfuse.api.Datasets;
import io.mmfuse.data.Dataset;
import io.mmfuse.data.Sample;
import io.mmfuse.data.SceneSpec;
import io.mmfuse.data.SceneSpec.Colour;
import io.mmfuse.data.SceneSpec.ColourShape;
import io.mmfuse.data.SceneSpec.Shape;
import io.mmfuse.data.SyntheticShapes;
import io.mmfuse.eval.generation.AttributeAccuracy;
import io.mmfuse.eval.generation.SceneAttributes;
import io.mmfuse.eval.generation.AttributeClassifierConfig;
import io.mmfuse.eval.generation.AttributeClassifierTrainer;
import io.mmfuse.eval.generation.AttributeTarget;
import io.mmfuse.eval.generation.ClassifierProgress;
import io.mmfuse.eval.generation.ClassifierTrainConfig;
import io.mmfuse.eval.generation.EvaluationTargets;
import io.mmfuse.eval.generation.RPrecision;
import io.mmfuse.gan.Sampling;
import io.mmfuse.gan.TextToImage;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.Devices;
import io.mmfuse.model.NativeThreads;
import io.mmfuse.search.FloatMatrix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The measurements of the text-to-image benchmark that the CLI does not offer (bench/generation/run.sh
 * drives the rest through ./mmfuse). Each mode appends a Markdown section to {@code --md}.
 *
 * <pre>
 *   shapes-data OUT_DIR [TRAIN_IMAGES SEED]   (the evaluation data; with the two numbers, a larger or
 *                                             other training draw with the same held-out pairs)
 *   relations DATA_DIR RETRIEVAL_CHECKPOINT MD_FILE [NAME=GAN_CHECKPOINT...]
 *   shapes  DATA_DIR CLASSIFIER_MINUTES MD_FILE NAME=GAN_CHECKPOINT...
 *   flickr  DATA_DIR RETRIEVAL_CHECKPOINT MD_FILE NAME=GAN_CHECKPOINT...
 *   ranking DATA_DIR CLASSIFIER_MINUTES MD_FILE JUDGES CANDIDATES CRITIC_CHECKPOINT[,CRITIC...] NAME=GAN_CHECKPOINT...
 *                                             (which score picks the best candidate: {@link RankingStudy})
 * </pre>
 */
public final class GenerationEval {
    /** Kept out of the synthetic training split: the generator never sees these colour-shape pairs. */
    static final Set<ColourShape> HELD_OUT = Set.of(new ColourShape(Colour.RED, Shape.SQUARE),
            new ColourShape(Colour.BLUE, Shape.TRIANGLE), new ColourShape(Colour.YELLOW, Shape.CIRCLE),
            new ColourShape(Colour.PURPLE, Shape.CROSS));
    static final SyntheticShapes.Config SHAPES = SyntheticShapes.Config.defaults().withSeed(42)
            .withSplitSizes(3000, 300, 500).withHeldOutFromTrain(HELD_OUT);
    private static final int CHUNK = TextToImage.MAX_PROMPTS;
    /** Seed of the generators' noise; -Dmmfuse.bench.noiseSeed (lever.sh: NOISE_SEED) draws a fresh set of images. */
    private static final long NOISE_SEED = Long.getLong("mmfuse.bench.noiseSeed", 7);
    private static final long NEGATIVES_SEED = 11;

    private GenerationEval() {
    }

    public static void main(String[] args) throws IOException {
        int threads = Runtime.getRuntime().availableProcessors();
        NativeThreads.configure(threads, 1);
        switch (args[0]) {
            case "shapes-data" -> SyntheticShapes.writeTo(Path.of(args[1]), SyntheticShapes.generateWithScenes(
                    args.length < 4 ? SHAPES : SHAPES.withSplitSizes(Integer.parseInt(args[2]), 300, 500)
                            .withSeed(Long.parseLong(args[3]))));
            case "shapes" -> shapes(Path.of(args[1]), Double.parseDouble(args[2]), Path.of(args[3]),
                    gans(args, 4), threads);
            case "relations" -> relations(Path.of(args[1]), Path.of(args[2]), Path.of(args[3]), gans(args, 4), threads);
            case "ranking" -> RankingStudy.run(firstTargets(Path.of(args[1])), Double.parseDouble(args[2]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]), Arrays.stream(args[6].split(",")).map(Path::of).toList(),
                    Path.of(args[3]), gans(args, 7), threads, NOISE_SEED);
            case "flickr" -> flickr(Path.of(args[1]), Path.of(args[2]), Path.of(args[3]), gans(args, 4), threads);
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    private static Map<String, Path> gans(String[] args, int from) {
        Map<String, Path> out = new LinkedHashMap<>();
        for (int i = from; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            out.put(kv[0], Path.of(kv[1]));
        }
        return out;
    }

    /**
     * Whether the text tower that conditions the GAN encodes relations and attributes at all, on the real
     * two-object test images ({@link RelationChecks}: 50 % on the swaps is a tower that ignores word order;
     * the GAN cannot place objects better than its conditioning allows), and, for each GAN, the same checks
     * on one generated image per test caption: what the matching loss sees in the generator's drawings.
     */
    static void relations(Path data, Path retrieval, Path md, Map<String, Path> gans, int threads) throws IOException {
        Map<String, SceneSpec> scenes = SyntheticShapes.readScenes(data);
        Dataset dataset = Datasets.open(data);
        try (MmfuseModel model = MmfuseModel.load(retrieval, Devices.auto())) {
            PreparedSplit test = new SplitPreparer(model.imageDecoder(), model.vocabulary(), model.config().maxTokens(),
                    threads).prepare("test", dataset.test(), null);
            int size = test.imageSize();
            int floats = 3 * size * size;
            List<SceneSpec> twoObject = new ArrayList<>();
            List<Integer> twoObjectRows = new ArrayList<>();
            for (int i = 0; i < test.imageCount(); i++) {
                SceneSpec s = scenes.get(test.imageIds().get(i));
                if (s.objects().size() == 2) {
                    twoObject.add(s);
                    twoObjectRows.add(i);
                }
            }
            float[] realImages = new float[twoObject.size() * floats];
            for (int j = 0; j < twoObjectRows.size(); j++) {
                System.arraycopy(test.images(), twoObjectRows.get(j) * floats, realImages, j * floats, floats);
            }
            RelationChecks checks = new RelationChecks(model, twoObject);
            ImageViews.View[] views = ImageViews.all(size);
            RelationChecks.Scores real = checks.score(model.embedDecoded(realImages, twoObject.size()));
            StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                    "### Synthetic shapes: what the conditioning retrieval model reads in real and generated images%n%n"
                    + "- retrieval checkpoint `%s`; %d two-object test images (%d above / below, %d left of / right of; "
                    + "%d with two different colours)%n"
                    + "- an image counts when it is nearer to its caption (\"a red circle above a blue square\") than to: "
                    + "the caption with the two objects swapped; with the two colours exchanged; and, for each object in "
                    + "turn, every caption with that object's shape (colour) replaced (so the last two columns count objects)%n"
                    + "- generated rows: one image per test caption from each GAN (noise seed %d); the real row says what "
                    + "the tower can tell apart, a generated row what the matching loss already scores as right%n"
                    + "- each set of images is also scored through two altered views: every 2x2 block replaced by its mean "
                    + "(removes the period-2 checkerboard of transposed convolutions), and Gaussian noise of sd 0.2 in the "
                    + "[-1, 1] image space; a reading that survives on real images but falls on generated ones rested on "
                    + "texture rather than outline%n%n",
                    retrieval, real.images(), real.vertical(), real.horizontal(), real.bindingImages(), NOISE_SEED));
            out.append(RelationChecks.Scores.markdownHeader()).append('\n');
            appendViews(out, "real test images", checks, model, realImages, views);
            for (Map.Entry<String, Path> gan : gans.entrySet()) {
                try (TextToImage generator = TextToImage.load(gan.getValue(), Devices.auto(), threads)) {
                    float[] images = generate(generator, checks.captions());
                    appendViews(out, gan.getKey() + " (step " + generator.step() + ")", checks, model, images, views);
                }
            }
            append(md, out.append('\n').toString());
        }
    }

    private static void appendViews(StringBuilder out, String label, RelationChecks checks, MmfuseModel model,
            float[] images, ImageViews.View[] views) {
        int n = checks.captions().size();
        for (ImageViews.View view : views) {
            RelationChecks.Scores scores = checks.score(model.embedDecoded(view.apply().apply(images), n));
            out.append(scores.markdownRow(label + ", " + view.name())).append('\n');
        }
    }

    /**
     * Attribute accuracy of generated images for the test captions, judged by a classifier trained on real
     * images; -Dmmfuse.bench.judges=N (lever.sh: EVAL_JUDGES) trains N judges with seeds 1..N instead of
     * one with seed 42 and adds a table of their mean (judges differ by up to 23 points of shape on the same
     * generated images, generation-2026-11-29p-vm.md).
     */
    static void shapes(Path data, double classifierMinutes, Path md, Map<String, Path> gans, int threads)
            throws IOException {
        List<AttributeTarget> targets = targets(data);
        long heldOutTargets = targets.stream().filter(t -> t.mentionsAny(HELD_OUT)).count();
        int judgeCount = Integer.getInteger("mmfuse.bench.judges", 1);
        StringBuilder out = new StringBuilder();
        StringBuilder confusions = new StringBuilder();
        List<AttributeClassifierTrainer.Trained> judges = new ArrayList<>();
        try {
            for (int j = 1; j <= judgeCount; j++) {
                ClassifierTrainConfig train = ClassifierTrainConfig.builder().epochs(60).seed(judgeCount == 1 ? 42 : j)
                        .timeBudget(Duration.ofMillis(Math.round(classifierMinutes * 60_000))).threads(threads).build();
                judges.add(AttributeClassifierTrainer.trainOnSynthetic(SHAPES, AttributeClassifierConfig.defaults(), train,
                        DeviceChoice.cpu("bench"), ClassifierProgress.console()));
            }
            out.append("### Synthetic shapes: attribute accuracy of generated images\n\n");
            out.append(String.format(Locale.ROOT, "- %d test captions (evaluation wording: canonical for two objects, "
                    + "with the region for one), %d of them name a held-out colour-shape pair: %s.%n", targets.size(),
                    heldOutTargets, HELD_OUT));
            for (int j = 0; j < judges.size(); j++) {
                AttributeClassifierTrainer.Trained judge = judges.get(j);
                out.append("- judge").append(judgeCount == 1 ? "" : " " + (j + 1) + " (seed " + (j + 1) + ")")
                        .append(": attribute classifier trained on 3,000 real synthetic images with nothing held out; ")
                        .append(judge.training()).append("\n");
                if (judge.training().outOfTime()) {
                    // Judges cut short read the same images differently (generation-2026-11-27h-vm.md:
                    // 52-55 % shape under two such judges, 41 % under a fully trained one).
                    out.append("- **the judge's time budget ended its training early: compare only rows scored by this"
                            + " judge, and rerun with a larger budget before reading differences of a few points**\n");
                }
            }
            out.append("- one generated image per caption, noise seed ").append(NOISE_SEED).append("\n\n");
            Map<String, List<AttributeAccuracy.Report>> reports = new LinkedHashMap<>();
            for (AttributeClassifierTrainer.Trained judge : judges) {
                reports.computeIfAbsent("real test images (ceiling)", k -> new ArrayList<>()).add(judge.testAccuracy());
            }
            for (Map.Entry<String, Path> gan : gans.entrySet()) {
                String[] spec = gan.getValue().toString().split("\\^", 2); // CKPT or CKPT^RANKER_CKPT[+RANKER_CKPT...]
                List<Path> rankers = spec.length == 1 ? List.of()
                        : Arrays.stream(spec[1].split("\\+")).map(Path::of).toList();
                try (TextToImage generator = TextToImage.load(Path.of(spec[0]), Devices.auto(), rankers)) {
                    List<String> captions = targets.stream().map(AttributeTarget::caption).toList();
                    long start = System.nanoTime();
                    float[] images = generate(generator, captions, sampling(gan.getKey()));
                    double seconds = (System.nanoTime() - start) / 1e9;
                    String label = gan.getKey() + " (step " + generator.step() + ")";
                    for (int j = 0; j < judges.size(); j++) {
                        List<SceneAttributes> read = judges.get(j).classifier().predict(images, captions.size());
                        AttributeAccuracy.Report r = AttributeAccuracy.score(read, targets, HELD_OUT);
                        reports.computeIfAbsent(label, k -> new ArrayList<>()).add(r);
                        confusions.append("\nShape read by judge ").append(j + 1).append(" where a shape was asked for, ")
                                .append(gan.getKey()).append(" (object slots of images with the right object count):\n\n")
                                .append(AttributeAccuracy.shapeConfusionMarkdown(AttributeAccuracy.shapeConfusion(read, targets)));
                        System.err.println(gan.getKey() + ", judge " + (j + 1) + ": " + r.toJson());
                    }
                    System.err.printf(Locale.ROOT, "%s: %d images in %.1f s%n", gan.getKey(), captions.size(), seconds);
                    out.append(String.format(Locale.ROOT, "- %s: %d images drawn in %.0f s%n", gan.getKey(), captions.size(), seconds));
                }
            }
            out.append('\n');
            if (judges.size() > 1) {
                out.append(RankingStudy.meanTable(reports)).append('\n');
            }
            for (int j = 0; j < judges.size(); j++) {
                if (judges.size() > 1) {
                    out.append("Judge ").append(j + 1).append(":\n\n");
                }
                out.append(AttributeAccuracy.Report.markdownHeader()).append("\n");
                for (Map.Entry<String, List<AttributeAccuracy.Report>> r : reports.entrySet()) {
                    out.append(r.getValue().get(j).markdownRows(r.getKey())).append("\n");
                }
                out.append('\n');
            }
        } finally {
            judges.forEach(AttributeClassifierTrainer.Trained::close);
        }
        append(md, out.append(confusions).append("\n").toString());
    }

    /** The test targets, or the first -Dmmfuse.bench.captions of them (a quick check of a study's plumbing). */
    private static List<AttributeTarget> firstTargets(Path data) throws IOException {
        List<AttributeTarget> all = targets(data);
        return all.subList(0, Math.min(all.size(), Integer.getInteger("mmfuse.bench.captions", all.size())));
    }

    /** What each test caption asks for, in the evaluation wording. */
    static List<AttributeTarget> targets(Path data) throws IOException {
        Map<String, SceneSpec> scenes = SyntheticShapes.readScenes(data);
        List<SceneSpec> testScenes = new ArrayList<>();
        for (Sample s : Datasets.open(data).test()) {
            testScenes.add(scenes.get(s.imageId()));
        }
        return EvaluationTargets.of(testScenes, SHAPES.size());
    }

    /**
     * R-precision on the Flickr8k test split: every test caption generates an image, which ranks its
     * caption among 100 (1 true + 99 captions of other test images) with the retrieval model.
     * Done as five rounds (caption j of every image), so the pool ids are image ids.
     */
    static void flickr(Path data, Path retrieval, Path md, Map<String, Path> gans, int threads) throws IOException {
        Dataset dataset = Datasets.open(data);
        StringBuilder out = new StringBuilder();
        try (MmfuseModel model = MmfuseModel.load(retrieval, Devices.auto())) {
            PreparedSplit test = new SplitPreparer(model.imageDecoder(), model.vocabulary(), model.config().maxTokens(),
                    threads).prepare("test", dataset.test(), null);
            int n = test.imageCount();
            FloatMatrix pool = model.embedTexts(test.captions());
            int[][] captionsOf = captionsPerImage(test.captionImage(), n);
            out.append("### Flickr8k: R-precision of generated images\n\n");
            out.append(String.format(Locale.ROOT, "- %d test images, %d captions; evaluator: retrieval checkpoint `%s`; "
                    + "100 candidates (1 true + 99 captions of other test images), negatives seed %d; "
                    + "random = 1 %% top-1%n", n, test.captionCount(), retrieval, NEGATIVES_SEED));
            out.append("- each caption generates one 64x64 image (noise seed ").append(NOISE_SEED)
                    .append("); the real-image row ranks each caption from its own real image\n\n");
            out.append(RPrecision.Report.markdownHeader()).append("\n");
            FloatMatrix real = model.embedDecoded(test.images(), n);
            out.append(rounds(i -> real, captionsOf, pool, test.captionImage()).markdownRow("real test images (ceiling)"))
                    .append("\n");
            for (Map.Entry<String, Path> gan : gans.entrySet()) {
                try (TextToImage generator = TextToImage.load(gan.getValue(), Devices.auto(), threads)) {
                    RPrecision.Report r = rounds(round -> {
                        List<String> prompts = new ArrayList<>(n);
                        for (int i = 0; i < n; i++) {
                            prompts.add(test.captions().get(captionsOf[i][round % captionsOf[i].length]));
                        }
                        return model.embedDecoded(generate(generator, prompts), n);
                    }, captionsOf, pool, test.captionImage());
                    out.append(r.markdownRow(gan.getKey() + " (step " + generator.step() + ")")).append("\n");
                    System.err.println(gan.getKey() + ": " + r.toJson());
                }
            }
        }
        append(md, out.append("\n").toString());
    }

    private interface RoundImages {
        FloatMatrix embed(int round);
    }

    /** Five rounds, round j asking for caption j of every image; averaged over all queries. */
    private static RPrecision.Report rounds(RoundImages images, int[][] captionsOf, FloatMatrix pool, int[] poolImage) {
        int rounds = 5;
        double top1 = 0;
        double r5 = 0;
        double rank = 0;
        int queries = 0;
        for (int round = 0; round < rounds; round++) {
            int[] truth = new int[captionsOf.length];
            for (int i = 0; i < truth.length; i++) {
                truth[i] = captionsOf[i][round % captionsOf[i].length];
            }
            RPrecision.Report r = RPrecision.evaluate(images.embed(round), truth, pool, poolImage,
                    RPrecision.DEFAULT_CANDIDATES, NEGATIVES_SEED + round);
            top1 += r.top1() * r.queries();
            r5 += r.recallAt5() * r.queries();
            rank += r.meanRank() * r.queries();
            queries += r.queries();
            System.err.printf(Locale.ROOT, "  round %d: top-1 %.3f%n", round, r.top1());
        }
        return new RPrecision.Report(queries, RPrecision.DEFAULT_CANDIDATES, NEGATIVES_SEED, top1 / queries,
                r5 / queries, rank / queries);
    }

    private static int[][] captionsPerImage(int[] captionImage, int n) {
        List<List<Integer>> lists = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lists.add(new ArrayList<>());
        }
        for (int c = 0; c < captionImage.length; c++) {
            lists.get(captionImage[c]).add(c);
        }
        int[][] out = new int[n][];
        for (int i = 0; i < n; i++) {
            out[i] = lists.get(i).stream().mapToInt(Integer::intValue).toArray();
        }
        return out;
    }

    /**
     * How a label asks for its images to be drawn: "NAME@PSI" scores the checkpoint with its noise
     * truncated to PSI, "NAME@PSIxC" also keeps the best of C candidates by the checkpoint's retrieval
     * model ({@link Sampling}), "NAME@PSIxC~S" then refines each kept image's noise S steps
     * ({@link Sampling#refineSteps()}); a plain name draws as in training.
     */
    static Sampling sampling(String label) {
        int ranker = label.indexOf('^'); // "NAME@PSIxC^RANKER": the ranker comes with the checkpoint path
        label = ranker < 0 ? label : label.substring(0, ranker);
        int at = label.lastIndexOf('@');
        if (at < 0) {
            return Sampling.DEFAULT;
        }
        String[] refine = label.substring(at + 1).split("~", 2);
        String[] spec = refine[0].split("x", 2);
        return new Sampling(Double.parseDouble(spec[0]), spec.length == 1 ? 1 : Integer.parseInt(spec[1]),
                refine.length == 1 ? 0 : Integer.parseInt(refine[1]));
    }

    /** One image per caption, in chunks the generator accepts; rows follow {@code captions}. */
    private static float[] generate(TextToImage generator, List<String> captions) {
        return generate(generator, captions, Sampling.DEFAULT);
    }

    private static float[] generate(TextToImage generator, List<String> captions, Sampling sampling) {
        int floats = 3 * generator.imageSize() * generator.imageSize();
        float[] all = new float[captions.size() * floats];
        for (int from = 0; from < captions.size(); from += CHUNK) {
            List<String> chunk = captions.subList(from, Math.min(captions.size(), from + CHUNK));
            float[] images = generator.generate(chunk, 1, NOISE_SEED + from, sampling);
            System.arraycopy(images, 0, all, from * floats, images.length);
        }
        return all;
    }

    static void append(Path md, String text) throws IOException {
        Files.writeString(md, text, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        System.out.print(text);
    }
}
