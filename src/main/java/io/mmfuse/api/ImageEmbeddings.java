package io.mmfuse.api;

import io.mmfuse.search.FloatMatrix;
import java.util.List;

/** Embeddings of the images that decoded, their names in input order, and those skipped. */
public record ImageEmbeddings(FloatMatrix vectors, List<String> names, List<Skipped> skipped) {
    public ImageEmbeddings {
        names = List.copyOf(names);
        skipped = List.copyOf(skipped);
    }
}
