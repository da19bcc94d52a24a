package io.mmfuse.cli;

import io.mmfuse.InvalidInputException;
import io.mmfuse.api.Skipped;
import io.mmfuse.caption.GeneratedCaption;
import io.mmfuse.caption.ImageToText;
import io.mmfuse.caption.RetrievedCaption;
import io.mmfuse.image.ImageDecodeException;
import io.mmfuse.image.ImageSource;
import io.mmfuse.model.Devices;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "caption", description = "Describe images: the nearest captions of the reference corpus (retrieval) and the generative captioner (greedy and beam search).")
final class CaptionCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Captioner checkpoint directory (train-captioner's <out>/captioner).")
    Path model;

    @Option(names = "--image", required = true, description = "Image file (repeatable).")
    List<Path> images;

    @Option(names = "-k", defaultValue = "3", description = "Retrieved captions per image (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--beam", defaultValue = "3", description = "Beam width (default: ${DEFAULT-VALUE}).")
    int beam;

    @Option(names = "--threads", description = "LibTorch intra-op threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() {
        Console.configureThreads(threads);
        if (k < 1) {
            throw new InvalidInputException("-k", "must be >= 1, got " + k);
        }
        List<Skipped> skipped = new ArrayList<>();
        try (ImageToText captioner = ImageToText.load(model, Devices.auto())) {
            for (Path file : images) {
                try {
                    ImageSource src = ImageSource.of(file);
                    List<RetrievedCaption> retrieved = captioner.retrieve(src, k);
                    GeneratedCaption greedy = captioner.captionGreedy(src);
                    List<GeneratedCaption> beams = captioner.captionBeam(src, beam);
                    System.out.println(file);
                    for (RetrievedCaption r : retrieved) {
                        System.out.printf(Locale.ROOT, "  retrieval #%d  %.4f  %s%n", r.rank(), r.distance(), r.caption());
                    }
                    System.out.println("  greedy          " + greedy.text());
                    System.out.println("  beam " + beam + "          " + beams.get(0).text());
                } catch (ImageDecodeException e) {
                    skipped.add(new Skipped(file.toString(), e.reason().name(), e.getMessage()));
                }
            }
        }
        return Console.reportSkipped(skipped);
    }
}
