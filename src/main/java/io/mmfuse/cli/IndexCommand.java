package io.mmfuse.cli;

import io.mmfuse.InvalidInputException;
import io.mmfuse.api.Indexes;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.api.RunReport;
import io.mmfuse.search.IndexFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "index", description = "Embed a collection of images or captions into an index file for `search`.")
final class IndexCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "Checkpoint directory.")
    Path checkpoint;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--images-dir", description = "Index every image file in this directory.")
        Path imagesDir;

        @Option(names = "--captions", description = "Index captions from a UTF-8 file: one per line, optionally id<TAB>caption.")
        Path captions;
    }

    @Option(names = "--out", required = true, description = "Index file to write (atomically).")
    Path out;

    @Option(names = "--threads", description = "Threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws IOException {
        Console.configureThreads(threads);
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        try (MmfuseModel model = MmfuseModel.load(checkpoint)) {
            Indexes.Built built;
            if (source.imagesDir != null) {
                built = Indexes.ofImages(model, ImageFiles.list(source.imagesDir), t);
            } else {
                List<String> ids = new ArrayList<>();
                List<String> texts = new ArrayList<>();
                readCaptions(source.captions, ids, texts);
                built = Indexes.ofTexts(model, ids, texts);
            }
            if (built.index().size() == 0) {
                throw new InvalidInputException("inputs", "nothing could be indexed (" + built.skipped().size() + " skipped)");
            }
            IndexFile.save(built.index(), out);
            System.out.println("indexed " + built.index().size() + " " + built.index().modality().name().toLowerCase()
                    + " items into " + out);
            Path reportFile = out.resolveSibling(out.getFileName() + ".report.json");
            RunReport report = new RunReport("index", Instant.now(), built.index().size(), built.skipped(),
                    Map.of("out", out.toString(), "modality", built.index().modality().name()));
            report.write(reportFile);
            return Console.finish(report, reportFile);
        }
    }

    private static void readCaptions(Path file, List<String> ids, List<String> texts) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new InvalidInputException(file.toString(), "is not valid UTF-8");
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int tab = line.indexOf('\t');
            ids.add(tab >= 0 ? line.substring(0, tab) : "line" + (i + 1));
            texts.add(tab >= 0 ? line.substring(tab + 1) : line);
        }
    }
}
