package io.mmfuse.bench.generation;

import io.mmfuse.api.MmfuseModel;
import io.mmfuse.eval.generation.AttributeAccuracy;
import io.mmfuse.eval.generation.AttributeClassifierConfig;
import io.mmfuse.eval.generation.AttributeClassifierTrainer;
import io.mmfuse.eval.generation.AttributeTarget;
import io.mmfuse.eval.generation.ClassifierProgress;
import io.mmfuse.eval.generation.ClassifierTrainConfig;
import io.mmfuse.eval.generation.SceneAttributes;
import io.mmfuse.gan.CandidateRanking;
import io.mmfuse.gan.Sampling;
import io.mmfuse.gan.TextToImage;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.Devices;
import io.mmfuse.train.ImageDegradation;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Which score picks the best of a generator's candidates, judged by several attribute classifiers:
 * the same candidates (one draw of {@code candidates} images per test caption) are ranked by each
 * retrieval critic's cosine, by all critics together (each cosine standardised over the caption's
 * candidates, then summed) and by the GAN's own discriminator logit, at 16 (the first 16 draws) and all
 * candidates. Each judge also picks the candidate it reads best: scored by that judge, an upper bound on
 * what any ranker can reach with these draws; scored by the other judges, what an independently trained
 * attribute classifier would pick (diagnostics, not samplers: a user's data has no attribute labels).
 * Judges differ by several points on generated images (generation-2026-11-29o-vm.md), so every selection is scored by every judge.
 */
final class RankingStudy {
    private static final int PROMPTS_PER_CALL = TextToImage.MAX_DRAWS / Sampling.MAX_CANDIDATES;
    private static final String LOW_PASS = ", 2x2 low-pass";

    private RankingStudy() {
    }

    /** One GAN's draws with per-candidate scores; rows follow the targets, candidates within a row. */
    private record Draws(float[] images, Map<String, float[]> critics, float[] discriminator, int candidates, long step) {
    }

    /**
     * @param critics retrieval checkpoints ({@code train}'s {@code <out>/checkpoint}), each named after
     *     its run directory
     */
    static void run(List<AttributeTarget> targets, double classifierMinutes, int judges, int candidates,
            List<Path> critics, Path md, Map<String, Path> gans, int threads, long noiseSeed) throws IOException {
        if (candidates < 16 || candidates > Sampling.MAX_CANDIDATES) {
            throw new IllegalArgumentException("candidates must be in [16, " + Sampling.MAX_CANDIDATES + "]");
        }
        List<String> captions = targets.stream().map(AttributeTarget::caption).toList();
        Map<String, Draws> draws = new LinkedHashMap<>();
        for (Map.Entry<String, Path> gan : gans.entrySet()) {
            try (TextToImage generator = TextToImage.load(gan.getValue(), Devices.auto(), threads)) {
                draws.put(gan.getKey(), draw(generator, captions, candidates, noiseSeed));
            }
        }
        for (Path critic : critics) {
            try (MmfuseModel model = MmfuseModel.load(critic, Devices.auto())) {
                float[] captionEmbeddings = model.embedTexts(captions).data();
                for (Draws d : draws.values()) {
                    d.critics().put(criticName(critic), cosines(model, captionEmbeddings, d, false));
                    d.critics().put(criticName(critic) + LOW_PASS, cosines(model, captionEmbeddings, d, true));
                }
            }
            System.err.println("scored with critic " + critic);
        }
        // selection -> one report per judge
        Map<String, List<AttributeAccuracy.Report>> reports = new LinkedHashMap<>();
        StringBuilder tables = new StringBuilder();
        List<AttributeClassifierTrainer.Trained> trained = new ArrayList<>();
        try {
            for (int j = 1; j <= judges; j++) {
                ClassifierTrainConfig train = ClassifierTrainConfig.builder().epochs(60).seed(j)
                        .timeBudget(Duration.ofMillis(Math.round(classifierMinutes * 60_000))).threads(threads).build();
                trained.add(AttributeClassifierTrainer.trainOnSynthetic(GenerationEval.SHAPES,
                        AttributeClassifierConfig.defaults(), train, DeviceChoice.cpu("bench"), ClassifierProgress.console()));
            }
            for (Map.Entry<String, Draws> e : draws.entrySet()) {
                Draws d = e.getValue();
                Map<String, int[]> picks = picks(d, targets.size());
                for (int k = 0; k < judges; k++) {
                    picks.put("best of " + d.candidates() + " by judge " + (k + 1) + "'s reading",
                            argmax(List.of(readings(d, trained.get(k), targets)), targets.size(), d.candidates(), d.candidates()));
                }
                for (Map.Entry<String, int[]> pick : picks.entrySet()) {
                    String label = e.getKey() + " (step " + d.step() + "), " + pick.getKey();
                    for (AttributeClassifierTrainer.Trained judge : trained) {
                        List<SceneAttributes> read = judge.classifier().predict(select(d, pick.getValue()), targets.size());
                        reports.computeIfAbsent(label, x -> new ArrayList<>())
                                .add(AttributeAccuracy.score(read, targets, GenerationEval.HELD_OUT));
                    }
                }
            }
            for (int j = 0; j < judges; j++) {
                tables.append("Judge ").append(j + 1).append(": ").append(trained.get(j).training()).append("\n\n")
                        .append(AttributeAccuracy.Report.markdownHeader()).append('\n')
                        .append(trained.get(j).testAccuracy().markdownRows("real test images (ceiling)")).append('\n');
                for (Map.Entry<String, List<AttributeAccuracy.Report>> r : reports.entrySet()) {
                    tables.append(r.getValue().get(j).markdownRows(r.getKey())).append('\n');
                }
                tables.append('\n');
            }
        } finally {
            for (AttributeClassifierTrainer.Trained t : trained) {
                t.close();
            }
        }
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "### Synthetic shapes: ranking candidates by retrieval critics, the discriminator, and the judge%n%n"
                + "- %d test captions; %d candidates per caption (noise seed %d, the draws of `NAME@1x%d`); "
                + "\"first 16\" ranks candidates 0-15 of the same draws%n"
                + "- critics (retrieval checkpoints): %s; \"all critics\": each critic's cosine standardised over the "
                + "caption's candidates, summed; \"as drawn and low-passed\" adds each critic's cosine for the image with "
                + "every 2x2 block replaced by its mean%n"
                + "- \"by judge k's reading\": the candidate judge k reads best; scored by judge k itself an upper bound for "
                + "any ranker, by the other judges what an independent attribute classifier would pick (diagnostics, not samplers)%n"
                + "- %d judges (attribute classifiers trained on real images, seeds 1..%d); each scores every selection; "
                + "cells list judge 1 / 2 / ... and their mean%n%n",
                targets.size(), candidates, noiseSeed, candidates, critics, judges, judges));
        out.append(meanTable(reports));
        GenerationEval.append(md, out.append('\n').append(tables).toString());
    }

    /** One row per selection: overall and shape accuracy, all and held-out pairs, each judge's and their mean. */
    static String meanTable(Map<String, List<AttributeAccuracy.Report>> reports) {
        StringBuilder out = new StringBuilder(
                "| selection | overall | shape | held-out pairs, overall | held-out pairs, shape |\n|---|---|---|---|---|\n");
        for (Map.Entry<String, List<AttributeAccuracy.Report>> e : reports.entrySet()) {
            List<AttributeAccuracy.Report> rs = e.getValue();
            out.append("| ").append(e.getKey())
                    .append(" | ").append(cell(rs, r -> r.all().overall()))
                    .append(" | ").append(cell(rs, r -> r.all().shape().accuracy()))
                    .append(" | ").append(cell(rs, r -> r.heldOut().overall()))
                    .append(" | ").append(cell(rs, r -> r.heldOut().shape().accuracy())).append(" |\n");
        }
        return out.toString();
    }

    private static String cell(List<AttributeAccuracy.Report> reports, ToDoubleFunction<AttributeAccuracy.Report> f) {
        StringBuilder s = new StringBuilder();
        double sum = 0;
        for (AttributeAccuracy.Report r : reports) {
            double v = 100 * f.applyAsDouble(r);
            sum += v;
            s.append(s.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.1f", v));
        }
        return s.append(String.format(Locale.ROOT, "; **%.1f %%**", sum / reports.size())).toString();
    }

    private static String criticName(Path checkpoint) {
        Path run = checkpoint.toAbsolutePath().normalize().getParent();
        return run == null ? checkpoint.toString() : run.getFileName().toString();
    }

    private static Draws draw(TextToImage generator, List<String> captions, int candidates, long noiseSeed) {
        int floats = 3 * generator.imageSize() * generator.imageSize();
        int n = captions.size();
        float[] images = new float[Math.multiplyExact(n * candidates, floats)];
        float[] logits = new float[n * candidates];
        for (int from = 0; from < n; from += PROMPTS_PER_CALL) {
            List<String> chunk = captions.subList(from, Math.min(n, from + PROMPTS_PER_CALL));
            // as GenerationEval draws NAME@1xC: caption i's candidates with seed NOISE_SEED + the start of its chunk
            float[] drawn = generator.generate(chunk, candidates, noiseSeed + from, Sampling.DEFAULT);
            System.arraycopy(drawn, 0, images, from * candidates * floats, drawn.length);
            float[] d = generator.discriminatorScores(chunk, drawn, candidates);
            System.arraycopy(d, 0, logits, from * candidates, d.length);
        }
        return new Draws(images, new LinkedHashMap<>(), logits, candidates, generator.step());
    }

    /** With {@code lowPass}, of each image with every 2x2 block replaced by its mean (as {@link ImageViews}). */
    private static float[] cosines(MmfuseModel critic, float[] captionEmbeddings, Draws d, boolean lowPass) {
        int c = d.candidates();
        int total = d.discriminator().length;
        int floats = d.images().length / total;
        int dim = critic.dimension();
        int batch = TextToImage.MAX_DRAWS / c * c; // whole captions per batch
        float[] out = new float[total];
        for (int from = 0; from < total; from += batch) {
            int m = Math.min(batch, total - from);
            float[] images = Arrays.copyOfRange(d.images(), from * floats, (from + m) * floats);
            if (lowPass) {
                ImageDegradation.lowPass2(images, 0, m * 3, (int) Math.round(Math.sqrt(floats / 3.0)));
            }
            int firstCaption = from / c;
            double[] s = CandidateRanking.cosines(critic.embedDecoded(images, m),
                    Arrays.copyOfRange(captionEmbeddings, firstCaption * dim, (firstCaption + m / c) * dim), m / c);
            for (int i = 0; i < m; i++) {
                out[from + i] = (float) s[i];
            }
        }
        return out;
    }

    /** Candidate index chosen for each caption, by selection name. */
    private static Map<String, int[]> picks(Draws d, int n) {
        int c = d.candidates();
        Map<String, int[]> out = new LinkedHashMap<>();
        out.put("first draw (plain)", new int[n]);
        for (int limit : new int[] {16, c}) {
            String of = limit == c ? "best of " + c : "best of first 16";
            List<float[]> asDrawn = new ArrayList<>();
            for (Map.Entry<String, float[]> critic : d.critics().entrySet()) {
                if (!critic.getKey().endsWith(LOW_PASS)) {
                    out.put(of + " by " + critic.getKey(), argmax(List.of(critic.getValue()), n, c, limit));
                    asDrawn.add(critic.getValue());
                }
            }
            if (asDrawn.size() > 1) {
                out.put(of + " by all critics", argmax(asDrawn, n, c, limit));
            }
            out.put(of + " by all critics, as drawn and low-passed", argmax(List.copyOf(d.critics().values()), n, c, limit));
            out.put(of + " by discriminator", argmax(List.of(d.discriminator()), n, c, limit));
        }
        return out;
    }

    /** How much of its caption a judge reads in each candidate (mean of its attribute accuracies). */
    private static float[] readings(Draws d, AttributeClassifierTrainer.Trained judge, List<AttributeTarget> targets) {
        int total = d.discriminator().length;
        int c = d.candidates();
        int floats = d.images().length / total;
        float[] judged = new float[total];
        for (int from = 0; from < total; from += 4096) {
            int m = Math.min(4096, total - from);
            List<SceneAttributes> read = judge.classifier().predict(Arrays.copyOfRange(d.images(), from * floats, (from + m) * floats), m);
            for (int i = 0; i < m; i++) {
                AttributeTarget t = targets.get((from + i) / c);
                judged[from + i] = (float) AttributeAccuracy.score(List.of(read.get(i)), List.of(t), GenerationEval.HELD_OUT)
                        .all().overall();
            }
        }
        return judged;
    }

    /**
     * Per caption the candidate (of the first {@code limit}) that {@link CandidateRanking} keeps: the first
     * with the highest score; with several scores, the highest sum of scores each standardised over the
     * caption's candidates.
     */
    private static int[] argmax(List<float[]> scores, int n, int c, int limit) {
        List<double[]> firsts = new ArrayList<>();
        for (float[] s : scores) {
            double[] d = new double[n * limit];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < limit; k++) {
                    d[i * limit + k] = s[i * c + k];
                }
            }
            firsts.add(d);
        }
        return CandidateRanking.bestIndices(firsts, n, limit);
    }

    private static float[] select(Draws d, int[] pick) {
        int n = pick.length;
        int floats = d.images().length / (n * d.candidates());
        float[] out = new float[n * floats];
        for (int i = 0; i < n; i++) {
            System.arraycopy(d.images(), (i * d.candidates() + pick[i]) * floats, out, i * floats, floats);
        }
        return out;
    }
}
