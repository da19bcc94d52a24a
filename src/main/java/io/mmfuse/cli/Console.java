package io.mmfuse.cli;

import io.mmfuse.api.RunReport;
import io.mmfuse.eval.RetrievalReport;
import io.mmfuse.model.NativeThreads;

/** Output helpers shared by the commands; results go to stdout, progress and logs to stderr. */
final class Console {
    private Console() {
    }

    /** Sets LibTorch's thread pools once, before any model work. */
    static void configureThreads(Integer threads) {
        int intra = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        // One inter-op thread: the models are sequential, and extra pools only oversubscribe cores.
        NativeThreads.configure(intra, 1);
    }

    static void status(String line) {
        System.err.println(line);
    }

    static void printRecall(String title, RetrievalReport r) {
        System.out.println(title);
        System.out.printf("  %-12s %8s %8s %8s %12s%n", "direction", "R@1", "R@5", "R@10", "median rank");
        row("text->image", r.textToImage());
        row("image->text", r.imageToText());
    }

    private static void row(String name, RetrievalReport.Direction d) {
        System.out.printf("  %-12s %7.1f%% %7.1f%% %7.1f%% %12.1f%n", name, 100 * d.recallAt1(), 100 * d.recallAt5(),
                100 * d.recallAt10(), d.medianRank());
    }

    /** Lists skipped inputs on stdout and returns the exit status that says whether there were any. */
    static int reportSkipped(java.util.List<io.mmfuse.api.Skipped> skipped) {
        if (skipped.isEmpty()) {
            return ExitCodes.OK;
        }
        System.out.println("skipped " + skipped.size() + " input(s):");
        for (io.mmfuse.api.Skipped s : skipped) {
            System.out.println("  " + s.input() + ": " + s.reason() + (s.message() == null ? "" : " (" + s.message() + ")"));
        }
        return ExitCodes.SKIPPED_INPUTS;
    }

    /** Prints the summary and returns the exit status that says whether anything was skipped. */
    static int finish(RunReport report, java.nio.file.Path reportFile) {
        System.out.println(report.summary());
        if (reportFile != null) {
            System.out.println("report: " + reportFile);
        }
        return report.hasSkipped() ? ExitCodes.SKIPPED_INPUTS : ExitCodes.OK;
    }
}
