package io.mmfuse.cli;

import io.mmfuse.api.Datasets;
import io.mmfuse.caption.CaptionTrainingJob;
import io.mmfuse.caption.CaptionTrainingRequest;
import io.mmfuse.caption.ConsoleCaptionProgress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "train-captioner", description = "Train the image-to-text decoder on a dataset over a trained retrieval model's image embeddings.")
final class TrainCaptionerCommand implements Callable<Integer> {
    @Option(names = "--retrieval-model", required = true, description = "Retrieval checkpoint (frozen; copied into the captioner checkpoint with the caption corpus).")
    Path retrievalModel;

    @Option(names = "--data", required = true, description = "Dataset directory (same layouts as train).")
    Path data;

    @Option(names = "--out", defaultValue = "runs/captioner", description = "Output directory: captioner/ and caption-train-report.json (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--minutes", description = "Stop after this many minutes (default: no limit).")
    Double minutes;

    @Option(names = "--epochs", description = "Passes over the training captions (default: the library's).")
    Integer epochs;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", description = "LibTorch intra-op and image-decoding threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() {
        Console.configureThreads(threads);
        int cores = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        CaptionTrainingRequest base = CaptionTrainingRequest.of(Datasets.open(data), retrievalModel, out);
        var train = base.train().toBuilder().seed(seed).threads(cores)
                .timeBudget(minutes == null ? null : Duration.ofMillis(Math.round(minutes * 60_000)));
        if (epochs != null) {
            train.epochs(epochs);
        }
        CaptionTrainingRequest request = new CaptionTrainingRequest(base.dataset(), retrievalModel, base.decoder(),
                train.build(), base.minWordCount(), base.maxVocabulary(), cores, out);
        CaptionTrainingJob.Outcome outcome = CaptionTrainingJob.run(request, new ConsoleCaptionProgress(), Console::status);
        System.out.println("checkpoint: " + outcome.checkpoint());
        System.out.println("report: " + request.reportFile());
        return Console.reportSkipped(outcome.skipped());
    }
}
