package io.mmfuse.cli;

import io.mmfuse.InvalidInputException;
import io.mmfuse.api.Indexes;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.image.ImageSource;
import io.mmfuse.search.EmbeddingIndex;
import io.mmfuse.search.FloatMatrix;
import io.mmfuse.search.Hit;
import io.mmfuse.search.IndexFile;
import io.mmfuse.search.SearchBackends;
import io.mmfuse.search.StoredIndex;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "search", description = "Query an index by caption or by image; prints the k nearest items with their squared L2 distances.")
final class SearchCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "Checkpoint directory (must be the one that built the index).")
    Path checkpoint;

    @Option(names = "--index", required = true, description = "Index file written by `index`.")
    Path index;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Query query;

    static final class Query {
        @Option(names = "--text", description = "Caption to search with.")
        String text;

        @Option(names = "--image", description = "Image file to search with.")
        Path image;
    }

    @Option(names = {"-k", "--top"}, defaultValue = "5", description = "Results per query (default: ${DEFAULT-VALUE}).")
    int k;

    @Option(names = "--backend", defaultValue = "AUTO", description = "Search backend: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    SearchBackends.Preference backend;

    @Override
    public Integer call() {
        Console.configureThreads(null);
        StoredIndex stored = IndexFile.load(index);
        if (k < 1) {
            throw new InvalidInputException("k", "must be >= 1, got " + k);
        }
        try (MmfuseModel model = MmfuseModel.load(checkpoint);
                EmbeddingIndex idx = Indexes.open(stored, model, backend)) {
            FloatMatrix q = query.text != null ? model.embedTexts(List.of(query.text))
                    : model.embedImage(ImageSource.of(query.image));
            List<Hit> hits = idx.search(q, k).get(0);
            System.out.println((query.text != null ? "text \"" + query.text + "\"" : "image " + query.image) + " -> "
                    + stored.modality().name().toLowerCase() + "s (" + idx.backendName() + "):");
            for (Hit h : hits) {
                System.out.printf("  %2d. %.4f  %s%n", h.rank(), h.distance(), describe(h));
            }
            return ExitCodes.OK;
        }
    }

    private static String describe(Hit h) {
        return h.id().equals(h.label()) ? h.id() : h.id() + "  " + h.label();
    }
}
