package io.mmfuse.cli;

import io.mmfuse.api.Datasets;
import io.mmfuse.caption.CaptionEvaluation;
import io.mmfuse.caption.ImageToText;
import io.mmfuse.data.Dataset;
import io.mmfuse.model.Devices;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "eval-captions", description = "BLEU-1..4 of retrieval, greedy and beam captions on a split, against all reference captions of each image.")
final class EvalCaptionsCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Captioner checkpoint directory.")
    Path model;

    @Option(names = "--data", required = true, description = "Dataset directory.")
    Path data;

    @Option(names = "--split", defaultValue = "test", description = "Split to evaluate: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    EvalCommand.Split split;

    @Option(names = "--beam", defaultValue = "3", description = "Beam width (default: ${DEFAULT-VALUE}).")
    int beam;

    @Option(names = "--out", defaultValue = "caption-eval.json", description = "JSON report (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--threads", description = "LibTorch intra-op and image-decoding threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() {
        Console.configureThreads(threads);
        int cores = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        Dataset dataset = Datasets.open(data);
        try (ImageToText captioner = ImageToText.load(model, Devices.auto())) {
            CaptionEvaluation.Report r = CaptionEvaluation.evaluate(captioner, split.name(), EvalCommand.samplesOf(dataset, split),
                    beam, cores, Console::status);
            System.out.printf(Locale.ROOT, "%s split: %d images, %d references%n", split, r.images(), r.references());
            System.out.printf(Locale.ROOT, "  %-10s %7s %7s %9s%n", "method", "BLEU-1", "BLEU-4", "distinct");
            for (CaptionEvaluation.MethodScore m : new CaptionEvaluation.MethodScore[] {r.retrieval(), r.greedy(), r.beam()}) {
                System.out.printf(Locale.ROOT, "  %-10s %7.3f %7.3f %9d%n", m.method(), m.bleu1(), m.bleu4(), m.distinctCaptions());
            }
            r.writeJson(out);
            System.out.println("report: " + out);
            return Console.reportSkipped(r.skipped());
        }
    }
}
