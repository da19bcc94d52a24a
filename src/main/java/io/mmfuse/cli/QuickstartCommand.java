package io.mmfuse.cli;

import io.mmfuse.api.Indexes;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.api.TrainingJob;
import io.mmfuse.api.TrainingOutcome;
import io.mmfuse.api.TrainingRequest;
import io.mmfuse.data.Dataset;
import io.mmfuse.data.FolderLoader;
import io.mmfuse.data.Sample;
import io.mmfuse.data.SyntheticShapes;
import io.mmfuse.image.ImageSource;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.search.EmbeddingIndex;
import io.mmfuse.search.Hit;
import io.mmfuse.search.IndexFile;
import io.mmfuse.search.SearchBackends;
import io.mmfuse.train.ConsoleProgress;
import io.mmfuse.train.TrainConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "quickstart", description = "Generate the built-in synthetic shapes dataset, train, index and search it: the whole pipeline in about two minutes.")
final class QuickstartCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "runs/quickstart", description = "Working directory (data/, checkpoint/, indexes) (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--minutes", defaultValue = "1.5", description = "Training time budget (default: ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--train-images", defaultValue = "2000", description = "Synthetic training images (default: ${DEFAULT-VALUE}).")
    int trainImages;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for data and training (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", description = "Threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws IOException {
        Console.configureThreads(threads);
        Path dataDir = out.resolve("data");
        prepareData(dataDir);
        Dataset dataset = new FolderLoader().load(dataDir);

        ModelConfig model = ModelConfig.defaults().toBuilder().imageSize(32).build();
        TrainConfig.Builder train = TrainConfig.builder().epochs(50).seed(seed)
                .timeBudget(Duration.ofMillis(Math.round(minutes * 60_000)));
        if (threads != null) {
            train.threads(threads);
        }
        TrainingRequest request = new TrainingRequest(dataset, model, train.build(), 1, 1000, out, null);
        TrainingOutcome outcome = TrainingJob.run(request, new ConsoleProgress(), Console::status);

        Path imageIndex = out.resolve("test-images.mmf");
        Path captionIndex = out.resolve("test-captions.mmf");
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        try (MmfuseModel m = MmfuseModel.load(outcome.checkpoint())) {
            List<ImageSource> images = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            List<String> captions = new ArrayList<>();
            for (Sample s : dataset.test()) {
                images.add(s.image());
                for (int c = 0; c < s.captions().size(); c++) {
                    ids.add(s.imageId() + "#" + c);
                    captions.add(s.captions().get(c));
                }
            }
            IndexFile.save(Indexes.ofImages(m, images, t).index(), imageIndex);
            IndexFile.save(Indexes.ofTexts(m, ids, captions).index(), captionIndex);
            try (EmbeddingIndex byImage = Indexes.open(IndexFile.load(imageIndex), m, SearchBackends.Preference.AUTO);
                    EmbeddingIndex byText = Indexes.open(IndexFile.load(captionIndex), m, SearchBackends.Preference.AUTO)) {
                System.out.println();
                System.out.println("text -> image (test images, squared L2 distance):");
                for (String q : List.of("a red circle", "a blue square above a green triangle", "a yellow cross")) {
                    printHits("\"" + q + "\"", byImage.search(m.embedTexts(List.of(q)), 3).get(0));
                }
                System.out.println("image -> text (test captions):");
                for (Sample s : dataset.test().subList(0, 2)) {
                    printHits(s.image().name() + " (true: \"" + s.captions().get(0) + "\")",
                            byText.search(m.embedImage(s.image()), 3).get(0));
                }
            }
        }
        if (outcome.test() != null) {
            Console.printRecall("test recall (" + outcome.test().images() + " images, " + outcome.test().captions()
                    + " captions; chance R@10 = " + String.format("%.1f%%", 1000.0 / outcome.test().images()) + ")",
                    outcome.test());
        }
        System.out.println();
        System.out.println("checkpoint: " + outcome.checkpoint());
        System.out.println("try:   ./mmfuse search --checkpoint " + outcome.checkpoint() + " --index " + imageIndex
                + " --text \"a purple circle to the left of a white square\"");
        return Console.finish(outcome.report(), request.reportFile());
    }

    private static void printHits(String query, List<Hit> hits) {
        System.out.println("  " + query);
        for (Hit h : hits) {
            String label = h.id().equals(h.label()) ? Path.of(h.id()).getFileName().toString() : "\"" + h.label() + "\"";
            System.out.printf("      %d. %.3f  %s%n", h.rank(), h.distance(), label);
        }
    }

    /** Writes the synthetic set, replacing only a previous quickstart's data (recognised by its scenes file). */
    private void prepareData(Path dataDir) throws IOException {
        if (Files.exists(dataDir)) {
            if (!Files.exists(dataDir.resolve(SyntheticShapes.SCENES_FILE))) {
                throw new io.mmfuse.InvalidInputException(dataDir.toString(),
                        "exists and is not quickstart data; choose another --out");
            }
            try (Stream<Path> walk = Files.walk(dataDir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        long t0 = System.nanoTime();
        SyntheticShapes.Config cfg = SyntheticShapes.Config.defaults().withSeed(seed)
                .withSplitSizes(trainImages, 200, 200);
        SyntheticShapes.writeTo(dataDir, SyntheticShapes.generateWithScenes(cfg));
        Console.status(String.format("synthetic shapes: %d/%d/%d images written to %s in %.1f s", trainImages, 200, 200,
                dataDir, (System.nanoTime() - t0) / 1e9));
    }
}
