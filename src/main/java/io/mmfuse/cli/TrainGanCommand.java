package io.mmfuse.cli;

import io.mmfuse.InvalidInputException;
import io.mmfuse.api.Datasets;
import io.mmfuse.api.Skipped;
import io.mmfuse.gan.ConsoleGanProgress;
import io.mmfuse.gan.GanConfig;
import io.mmfuse.gan.GanTrainOptions;
import io.mmfuse.gan.GanTrainingJob;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train-gan", description = "Train the text-to-image GAN on a dataset, conditioned on a trained retrieval model's caption embeddings.")
final class TrainGanCommand implements Callable<Integer> {
    @Option(names = "--text-model", required = true, description = "Retrieval checkpoint whose text encoder conditions the GAN (copied into the GAN checkpoint).")
    Path textModel;

    @Option(names = "--data", required = true, description = "Dataset directory (same layouts as train); its train split is used.")
    Path data;

    @Option(names = "--out", defaultValue = "runs/gan", description = "Output directory: checkpoint/ and grid-NNNNNN.png sample grids (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--minutes", description = "Stop after this many minutes of wall time (default: no limit).")
    Double minutes;

    @Option(names = "--steps", defaultValue = "10000", description = "Stop at this step count (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--discriminator", defaultValue = "matching-aware", description = "matching-aware (sees the caption, GAN-INT-CLS) or unconditional (the founding design's baseline) (default: ${DEFAULT-VALUE}).")
    String discriminator;

    @Option(names = "--conditioning", defaultValue = "input", description = "Where the caption enters the generator: input (with the noise, DCGAN) or per-block (also conditional BatchNorm in every upsampling block) (default: ${DEFAULT-VALUE}).")
    String conditioning;

    @Option(names = "--upsampling", defaultValue = "transposed", description = "How the generator doubles its resolution: transposed (stride-2 transposed convolutions, DCGAN) resize-conv (nearest-neighbour resize + 3x3 convolution: no checkerboard, about 2.25x the generator's multiply-adds) or transposed-refined (transposed, but the last block makes w/2 channels and a 3x3 convolution at full resolution maps them to RGB) (default: ${DEFAULT-VALUE}).")
    String upsampling;

    @Option(names = "--width", defaultValue = "64", description = "Generator and discriminator width; 32 trains about 3x faster (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--matching-weight", defaultValue = "0", description = "Weight of the image-caption matching loss (DAMSM-like) through the frozen text model: generated images must match their own caption better than the batch's others, and than their word-order negative with --order-negatives (0 = off) (default: ${DEFAULT-VALUE}).")
    double matchingWeight;

    @Option(names = "--matching-shift", defaultValue = "0", description = "With --matching-weight: shift each generated image by a random whole number of pixels, up to this many each way, before the matching loss scores it, so that the generator cannot please the frozen model with pixel-exact patterns (0 = off, at most 8) (default: ${DEFAULT-VALUE}).")
    int matchingShift;

    @Option(names = "--d-shift", defaultValue = "0", description = "Differentiable augmentation of the discriminator's input (DiffAugment translation): shift every image D sees, real or generated, by a random whole number of pixels up to this many each way (0 = off, at most 8) (default: ${DEFAULT-VALUE}).")
    int discriminatorShift;

    @Option(names = "--word-weight", defaultValue = "0", description = "Weight of an auxiliary word loss (AC-GAN with the caption's words as labels): a head on the discriminator predicts the caption's vocabulary words from the image, for real and generated images, and the generator is trained to make it predict its caption's words (0 = off) (default: ${DEFAULT-VALUE}).")
    double wordWeight;

    @Option(names = "--caption-encoder", defaultValue = "frozen", description = "What the generator and the discriminator read of a caption: frozen (the text model's caption embedding) or learned (the caption's tokens through a GRU that each network trains; the matching loss keeps the frozen embedding) (default: ${DEFAULT-VALUE}).")
    String captionEncoder;

    @Option(names = "--feature-weight", defaultValue = "0", description = "Weight of a feature discriminator (Projected GAN): matching-aware heads that judge image and caption from the frozen text model's image-encoder features instead of pixels, next to the pixel discriminator (0 = off) (default: ${DEFAULT-VALUE}).")
    double featureWeight;

    @Option(names = "--patch-weight", defaultValue = "0", description = "Weight of a patch discriminator: one more logit per location of the discriminator's 8x8 feature map (each judging about 22 x 22 pixels, an object's size in the shapes data), with the caption joined there when matching-aware (0 = off) (default: ${DEFAULT-VALUE}).")
    double patchWeight;

    @Option(names = "--order-negatives", defaultValue = "0", description = "Share of the discriminator's mismatched pairs that use the true caption with its two objects swapped (\"a blue square above a red circle\"), so that it checks relations; matching-aware discriminator only (default: ${DEFAULT-VALUE}).")
    double orderNegativeRate;

    @Option(names = "--object-negatives", description = "With --order-negatives: half of the hard negatives replace one object instead (\"a red triangle above a blue square\" for a red circle above a blue square), so that the discriminator and the matching loss also check what each object is.")
    boolean objectNegatives;

    @Option(names = "--lr", defaultValue = "2e-4", description = "Adam learning rate of both networks; with --resume it replaces the checkpoint's, so a last stretch can run at a decayed rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--batch", defaultValue = "64", description = "Captions per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--sample-every", defaultValue = "500", description = "Write a sample grid every this many steps, 0 = only at the end (default: ${DEFAULT-VALUE}).")
    int sampleEvery;

    @Option(names = "--checkpoint-every", defaultValue = "500", description = "Write the checkpoint every this many steps (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--preview", description = "Caption of a sample-grid row (repeatable; default: the first captions of the validation split).")
    List<String> preview;

    @Option(names = "--resume", description = "Continue from this GAN checkpoint directory.")
    Path resume;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", description = "LibTorch intra-op threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new InvalidInputException("--lr", "must be finite and > 0, got " + lr);
        }
        Console.configureThreads(threads);
        int cores = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        GanConfig config = GanConfig.defaults().toBuilder().discriminator(mode(discriminator))
                .generatorConditioning(conditioning(conditioning)).generatorUpsampling(upsampling(upsampling)).genWidth(width)
                .discWidth(width).matchingWeight(matchingWeight).matchingShift(matchingShift).discriminatorShift(discriminatorShift).wordWeight(wordWeight)
                .featureWeight(featureWeight).patchWeight(patchWeight).orderNegativeRate(orderNegativeRate).captionEncoder(captionEncoding(captionEncoder))
                .objectNegatives(objectNegatives).lrG(lr).lrD(lr).batchSize(batch).seed(seed).threads(cores).build();
        GanTrainOptions.Builder options = GanTrainOptions.builder().maxSteps(steps)
                .timeBudget(minutes == null ? null : Duration.ofMillis(Math.round(minutes * 60_000)))
                .sampleEvery(sampleEvery == 0 ? Integer.MAX_VALUE : sampleEvery)
                .checkpointEvery(checkpointEvery).outputDir(out).resumeFrom(resume);
        GanTrainingJob.Outcome outcome = GanTrainingJob.run(Datasets.open(data), textModel, config, options, preview,
                cores, new ConsoleGanProgress(), Console::status);
        var r = outcome.result();
        System.out.printf(Locale.ROOT, "trained %d steps (%d this run) in %.0f s on %d images / %d captions%s%n",
                r.steps(), r.stepsThisRun(), r.seconds(), outcome.images(), outcome.captions(),
                r.outOfTime() ? " (time budget reached)" : "");
        if (!r.grids().isEmpty()) {
            System.out.println("last sample grid: " + r.grids().get(r.grids().size() - 1));
        }
        System.out.println("checkpoint: " + r.checkpoint());
        return Console.reportSkipped(outcome.skipped());
    }

    static GanConfig.GeneratorConditioning conditioning(String name) {
        return switch (name.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "input" -> GanConfig.GeneratorConditioning.INPUT;
            case "per-block" -> GanConfig.GeneratorConditioning.PER_BLOCK;
            default -> throw new InvalidInputException("--conditioning", "must be input or per-block, got '" + name + "'");
        };
    }

    static GanConfig.CaptionEncoding captionEncoding(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "frozen" -> GanConfig.CaptionEncoding.FROZEN;
            case "learned" -> GanConfig.CaptionEncoding.LEARNED;
            default -> throw new InvalidInputException("--caption-encoder", "must be frozen or learned, got '" + name + "'");
        };
    }

    static GanConfig.GeneratorUpsampling upsampling(String name) {
        return switch (name.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "transposed" -> GanConfig.GeneratorUpsampling.TRANSPOSED;
            case "resize-conv" -> GanConfig.GeneratorUpsampling.RESIZE_CONV;
            case "transposed-refined" -> GanConfig.GeneratorUpsampling.TRANSPOSED_REFINED;
            default -> throw new InvalidInputException("--upsampling", "must be transposed, resize-conv or transposed-refined, got '"
                    + name + "'");
        };
    }

    static GanConfig.DiscriminatorMode mode(String name) {
        return switch (name.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "matching-aware" -> GanConfig.DiscriminatorMode.MATCHING_AWARE;
            case "unconditional" -> GanConfig.DiscriminatorMode.UNCONDITIONAL;
            default -> throw new InvalidInputException("--discriminator",
                    "must be matching-aware or unconditional, got '" + name + "'");
        };
    }
}
