package io.mmfuse.cli;

import io.mmfuse.api.Datasets;
import io.mmfuse.api.TrainingJob;
import io.mmfuse.api.TrainingOutcome;
import io.mmfuse.api.TrainingRequest;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.train.ConsoleProgress;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", description = "Train the text/image model on a dataset and write a checkpoint.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "Dataset directory: captions.tsv + images/ + splits/ (Flickr8k layout), or images with same-named .txt captions.")
    Path data;

    @Option(names = "--out", defaultValue = "runs/train", description = "Output directory (checkpoint/, train-report.json) (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--resume", description = "Continue training from this checkpoint directory.")
    Path resume;

    @Option(names = "--min-count", defaultValue = "2", description = "Minimum caption count for a word to enter the vocabulary (default: ${DEFAULT-VALUE}).")
    int minCount;

    @Option(names = "--max-vocab", defaultValue = "20000", description = "Vocabulary size cap (default: ${DEFAULT-VALUE}).")
    int maxVocab;

    @Mixin
    ModelOptions model;

    @Mixin
    TrainOptions train;

    @Override
    public Integer call() {
        Console.configureThreads(train.threads);
        TrainingRequest request = new TrainingRequest(Datasets.open(data), model.apply(ModelConfig.defaults()),
                train.toConfig(), minCount, maxVocab, out, resume);
        TrainingOutcome outcome = TrainingJob.run(request, new ConsoleProgress(), Console::status);
        if (outcome.result().bestValidation() != null) {
            Console.printRecall("validation (best epoch " + outcome.result().bestEpoch() + ")", outcome.result().bestValidation());
        }
        if (outcome.test() != null) {
            Console.printRecall("test", outcome.test());
        }
        System.out.println("checkpoint: " + outcome.checkpoint());
        return Console.finish(outcome.report(), request.reportFile());
    }
}
