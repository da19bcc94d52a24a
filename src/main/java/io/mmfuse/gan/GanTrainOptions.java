package io.mmfuse.gan;

import io.mmfuse.InvalidInputException;
import io.mmfuse.model.DeviceChoice;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How long to train and what to write along the way. Immutable apart from the preview array,
 * which is held, not copied. Start from {@link #defaults()} and use {@link #toBuilder()}.
 *
 * @param timeBudget stop after this much wall time (checked after every step), null = no limit
 * @param maxSteps stop when the step count (including steps before a resume) reaches this
 * @param sampleEvery write {@code grid-NNNNNN.png} into outputDir every this many steps and after
 *     the last; 0 = never
 * @param checkpointEvery write {@code outputDir/checkpoint} every this many steps and after the
 *     last; 0 = never
 * @param historyEvery steps per averaged window in {@link GanTrainResult#history()}
 * @param outputDir where grids and the checkpoint go; required when either is on
 * @param textModelDir the retrieval checkpoint the caption embeddings came from, copied into every
 *     GAN checkpoint; defaults to the resumed checkpoint's {@code text-model/}
 * @param previewCaptions the captions of the sample grids (rows)
 * @param previewEmbeddings their embeddings, previewCaptions.size() x textDim
 * @param previewTokens their token ids, one row per caption, for a generator with learned caption
 *     encoding (null otherwise)
 * @param previewSamples columns of the sample grids, 1 to 64
 * @param previewSeed noise seed of the sample grids (the same noise at every step)
 * @param resumeFrom a GAN checkpoint to continue from (weights, moving average, Adam states and
 *     step count); null = start fresh
 * @param device where to train; null = {@link io.mmfuse.model.Devices#auto()}
 */
public record GanTrainOptions(Duration timeBudget, long maxSteps, int sampleEvery, int checkpointEvery,
                              int historyEvery, Path outputDir, Path textModelDir, List<String> previewCaptions,
                              float[] previewEmbeddings, int[][] previewTokens, int previewSamples, long previewSeed, Path resumeFrom,
                              DeviceChoice device) {
    /** Name of the rolling checkpoint directory inside outputDir. */
    public static final String CHECKPOINT_DIR = "checkpoint";

    public GanTrainOptions {
        if (timeBudget != null && (timeBudget.isNegative() || timeBudget.isZero())) {
            throw new InvalidInputException("timeBudget", "must be positive, got " + timeBudget);
        }
        if (maxSteps <= 0) {
            throw new InvalidInputException("maxSteps", "must be > 0, got " + maxSteps);
        }
        if (sampleEvery < 0) {
            throw new InvalidInputException("sampleEvery", "must be >= 0 (0 = off), got " + sampleEvery);
        }
        if (checkpointEvery < 0) {
            throw new InvalidInputException("checkpointEvery", "must be >= 0 (0 = off), got " + checkpointEvery);
        }
        if (historyEvery <= 0) {
            throw new InvalidInputException("historyEvery", "must be > 0, got " + historyEvery);
        }
        if (previewSamples < 1 || previewSamples > 64) {
            throw new InvalidInputException("previewSamples", "must be in [1, 64], got " + previewSamples);
        }
        previewCaptions = previewCaptions == null ? List.of() : List.copyOf(previewCaptions);
        if (sampleEvery > 0) {
            if (outputDir == null) {
                throw new InvalidInputException("outputDir", "is required when sampleEvery > 0");
            }
            if (previewCaptions.isEmpty() || previewEmbeddings == null) {
                throw new InvalidInputException("previewCaptions", "captions and their embeddings are required when sampleEvery > 0");
            }
            if (previewTokens != null && previewTokens.length != previewCaptions.size()) {
                throw new InvalidInputException("previewTokens", previewTokens.length + " rows for "
                        + previewCaptions.size() + " captions");
            }
            if (previewEmbeddings.length % previewCaptions.size() != 0) {
                throw new InvalidInputException("previewEmbeddings", previewEmbeddings.length
                        + " floats are not one row per caption (" + previewCaptions.size() + ")");
            }
        }
        if (checkpointEvery > 0) {
            if (outputDir == null) {
                throw new InvalidInputException("outputDir", "is required when checkpointEvery > 0");
            }
            if (textModelDir == null && resumeFrom == null) {
                throw new InvalidInputException("textModelDir", "is required when checkpointEvery > 0 (it is copied into the checkpoint)");
            }
        }
    }

    /** 10,000 steps, no time limit, nothing written, history windows of 100 steps, 8 preview samples. */
    public static GanTrainOptions defaults() {
        return new GanTrainOptions(null, 10_000, 0, 0, 100, null, null, List.of(), null, null, 8, 1234L, null, null);
    }

    /** The text model copied into checkpoints: the configured one, else the resumed checkpoint's. */
    Path effectiveTextModelDir() {
        if (textModelDir != null) {
            return textModelDir;
        }
        return resumeFrom == null ? null : resumeFrom.resolve(GanCheckpoint.TEXT_MODEL_DIR);
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    public static Builder builder() {
        return defaults().toBuilder();
    }

    public static final class Builder {
        private Duration timeBudget;
        private long maxSteps;
        private int sampleEvery;
        private int checkpointEvery;
        private int historyEvery;
        private Path outputDir;
        private Path textModelDir;
        private List<String> previewCaptions;
        private float[] previewEmbeddings;
        private int[][] previewTokens;
        private int previewSamples;
        private long previewSeed;
        private Path resumeFrom;
        private DeviceChoice device;

        private Builder(GanTrainOptions o) {
            timeBudget = o.timeBudget;
            maxSteps = o.maxSteps;
            sampleEvery = o.sampleEvery;
            checkpointEvery = o.checkpointEvery;
            historyEvery = o.historyEvery;
            outputDir = o.outputDir;
            textModelDir = o.textModelDir;
            previewCaptions = o.previewCaptions;
            previewEmbeddings = o.previewEmbeddings;
            previewTokens = o.previewTokens;
            previewSamples = o.previewSamples;
            previewSeed = o.previewSeed;
            resumeFrom = o.resumeFrom;
            device = o.device;
        }

        public Builder timeBudget(Duration v) { timeBudget = v; return this; }
        public Builder maxSteps(long v) { maxSteps = v; return this; }
        public Builder sampleEvery(int v) { sampleEvery = v; return this; }
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
        public Builder historyEvery(int v) { historyEvery = v; return this; }
        public Builder outputDir(Path v) { outputDir = v; return this; }
        public Builder textModelDir(Path v) { textModelDir = v; return this; }
        public Builder resumeFrom(Path v) { resumeFrom = v; return this; }
        public Builder device(DeviceChoice v) { device = v; return this; }
        public Builder previewSamples(int v) { previewSamples = v; return this; }
        public Builder previewSeed(long v) { previewSeed = v; return this; }

        /** The sample-grid captions and their embeddings (captions.size() x textDim floats). */
        public Builder preview(List<String> captions, float[] embeddings) {
            previewCaptions = captions;
            previewEmbeddings = embeddings;
            return this;
        }

        /** The sample-grid captions' token ids, for a generator with learned caption encoding. */
        public Builder previewTokens(int[][] tokens) {
            previewTokens = tokens;
            return this;
        }

        public GanTrainOptions build() {
            return new GanTrainOptions(timeBudget, maxSteps, sampleEvery, checkpointEvery, historyEvery, outputDir,
                    textModelDir, previewCaptions, previewEmbeddings, previewTokens, previewSamples, previewSeed, resumeFrom, device);
        }
    }
}
