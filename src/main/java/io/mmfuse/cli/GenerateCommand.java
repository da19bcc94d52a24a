package io.mmfuse.cli;

import io.mmfuse.Cancellation;
import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.gan.SampleGrid;
import io.mmfuse.gan.Sampling;
import io.mmfuse.gan.TextToImage;
import io.mmfuse.io.AtomicFiles;
import io.mmfuse.model.Devices;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "generate", description = "Generate images for captions with a trained GAN; writes a PNG grid (one row per caption, caption printed under it).")
final class GenerateCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "GAN checkpoint directory (train-gan's <out>/checkpoint).")
    Path model;

    @Option(names = "--text", required = true, description = "Caption to draw (repeatable: one grid row each).")
    List<String> texts;

    @Option(names = "--samples", defaultValue = "8", description = "Images per caption, 1 to 64 (default: ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--seed", defaultValue = "1", description = "Noise seed; the same seed gives the same images (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--truncation", defaultValue = "1", description = "Scale of the noise, 0 to 1: lower trades variety for images closer to the generator's typical rendering of the caption; 0 draws every sample alike (default: ${DEFAULT-VALUE}, as in training).")
    double truncation;

    @Option(names = "--candidates", defaultValue = "1", description = "Images drawn for each one kept, 1 to 64: above 1 the one the checkpoint's retrieval model (or --ranker) finds closest to the caption is kept (default: ${DEFAULT-VALUE}).")
    int candidates;

    @Option(names = "--ranker", description = "Retrieval checkpoint that ranks the candidates instead of the GAN checkpoint's own, e.g. one trained with train --degrade 0.5 on the same data; repeat it (up to 8) to rank by several together; needs --candidates above 1 or --refine.")
    List<Path> rankers = new ArrayList<>();

    @Option(names = "--refine", defaultValue = "0", description = "Gradient steps, 0 to 500, on each kept image's noise, uphill on its cosine with the caption under the same retrieval models as --candidates (default: ${DEFAULT-VALUE}).")
    int refine;

    @Option(names = "--out", defaultValue = "grid.png", description = "PNG file to write (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--threads", description = "LibTorch intra-op threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() {
        if (!rankers.isEmpty() && candidates < 2 && refine == 0) {
            throw new InvalidInputException("--ranker", "ranks candidates or refines them; give --candidates 2 or more, or --refine");
        }
        Console.configureThreads(threads);
        try (TextToImage gan = TextToImage.load(model, Devices.auto(), rankers);
                ConsoleGenerationProgress progress = new ConsoleGenerationProgress(System.err)) {
            float[] images = gan.generate(texts, samples, seed, new Sampling(truncation, candidates, refine),
                    Cancellation.NONE, progress);
            progress.close(); // the bar's last line before the result
            AtomicFiles.write(out, SampleGrid.png(images, texts.size(), samples, texts));
        } catch (IOException e) {
            throw new MmfuseException("cannot write " + out + ": " + e.getMessage(), e);
        }
        System.out.println("wrote " + out + " (" + texts.size() + " x " + samples + " images of 64x64)");
        return ExitCodes.OK;
    }
}
