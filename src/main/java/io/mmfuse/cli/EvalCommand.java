package io.mmfuse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmfuse.api.Datasets;
import io.mmfuse.api.Evaluation;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.api.RunReport;
import io.mmfuse.data.Dataset;
import io.mmfuse.data.Sample;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "eval", description = "Recall@1/5/10 and median rank in both directions on a dataset split.")
final class EvalCommand implements Callable<Integer> {
    enum Split { train, val, test }

    @Option(names = "--checkpoint", required = true, description = "Checkpoint directory.")
    Path checkpoint;

    @Option(names = "--data", required = true, description = "Dataset directory (same layouts as train).")
    Path data;

    @Option(names = "--split", defaultValue = "test", description = "Split to evaluate: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Split split;

    @Option(names = "--out", description = "Write the results as JSON to this file.")
    Path out;

    @Option(names = "--threads", description = "Threads (default: all cores).")
    Integer threads;

    static List<Sample> samplesOf(Dataset dataset, Split split) {
        return switch (split) {
            case train -> dataset.train();
            case val -> dataset.val();
            case test -> dataset.test();
        };
    }

    @Override
    public Integer call() throws Exception {
        Console.configureThreads(threads);
        Dataset dataset = Datasets.open(data);
        List<Sample> samples = samplesOf(dataset, split);
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        try (MmfuseModel model = MmfuseModel.load(checkpoint)) {
            Evaluation.Result r = Evaluation.evaluate(model, split.name(), samples, t);
            Console.printRecall(dataset.name() + " " + split + ": " + r.report().images() + " images, "
                    + r.report().captions() + " captions", r.report());
            System.out.printf("embedding throughput: %.0f images/s, %.0f captions/s%n", r.imagesPerSecond(),
                    r.captionsPerSecond());
            RunReport report = new RunReport("eval", Instant.now(), r.split().captionCount(), r.split().skipped(),
                    Map.of("checkpoint", checkpoint.toString(), "split", split.name(), "report", r.report(),
                            "images_per_second", r.imagesPerSecond(), "captions_per_second", r.captionsPerSecond()));
            if (out != null) {
                report.write(out);
            }
            return Console.finish(report, out);
        }
    }
}
