package io.mmfuse.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmfuse.InvalidInputException;
import io.mmfuse.api.ImageEmbeddings;
import io.mmfuse.api.Indexes;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.api.RunReport;
import io.mmfuse.api.Skipped;
import io.mmfuse.image.ImageSource;
import io.mmfuse.io.AtomicFiles;
import io.mmfuse.search.FloatMatrix;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "embed", description = "Embed captions and/or images; writes one JSON line per input and a report of skipped inputs.")
final class EmbedCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "Checkpoint directory.")
    Path checkpoint;

    @Option(names = "--text", arity = "1..*", description = "Captions to embed.")
    List<String> texts = new ArrayList<>();

    @Option(names = "--image", arity = "1..*", description = "Image files to embed.")
    List<Path> images = new ArrayList<>();

    @Option(names = "--images-dir", description = "Embed every file in this directory (non-images are reported and skipped).")
    Path imagesDir;

    @Option(names = "--out", required = true, description = "Output file: JSON lines {input, modality, vector}; the report goes to <out>.report.json.")
    Path out;

    @Option(names = "--threads", description = "Decode threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws IOException {
        List<ImageSource> sources = new ArrayList<>();
        for (Path p : images) {
            sources.add(ImageSource.of(p));
        }
        if (imagesDir != null) {
            sources.addAll(ImageFiles.list(imagesDir));
        }
        if (texts.isEmpty() && sources.isEmpty()) {
            throw new InvalidInputException("inputs", "give --text, --image or --images-dir");
        }
        Console.configureThreads(threads);
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        List<Map<String, Object>> rows = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        try (MmfuseModel model = MmfuseModel.load(checkpoint)) {
            if (!texts.isEmpty()) {
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < texts.size(); i++) {
                    ids.add("text[" + i + "]");
                }
                Indexes.Built built = Indexes.ofTexts(model, ids, texts);
                skipped.addAll(built.skipped());
                addRows(rows, "text", built.index().labels(), built.index().vectors());
            }
            if (!sources.isEmpty()) {
                ImageEmbeddings e = model.embedImages(sources, t);
                skipped.addAll(e.skipped());
                addRows(rows, "image", e.names(), e.vectors());
            }
        }
        writeJsonLines(rows, out);
        Path reportFile = out.resolveSibling(out.getFileName() + ".report.json");
        RunReport report = new RunReport("embed", Instant.now(), rows.size(), skipped, Map.of("out", out.toString()));
        report.write(reportFile);
        System.out.println("wrote " + rows.size() + " vectors to " + out);
        return Console.finish(report, reportFile);
    }

    private static void addRows(List<Map<String, Object>> rows, String modality, List<String> names, FloatMatrix v) {
        for (int i = 0; i < v.rows(); i++) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("input", names.get(i));
            row.put("modality", modality);
            row.put("vector", v.row(i));
            rows.add(row);
        }
    }

    private static void writeJsonLines(List<Map<String, Object>> rows, Path target) throws IOException {
        ObjectMapper json = new ObjectMapper();
        StringBuilder sb = new StringBuilder();
        for (Map<String, Object> row : rows) {
            sb.append(json.writeValueAsString(row)).append('\n');
        }
        AtomicFiles.write(target, sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
