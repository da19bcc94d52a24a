package io.mmfuse.search;

import io.mmfuse.InvalidInputException;
import java.util.List;

/**
 * Embeddings of one modality with their external ids and a label per item (the caption, or the
 * image's file name), plus the fingerprint of the model that produced them so that vectors of
 * different models are never mixed.
 */
public record StoredIndex(String modelFingerprint, Modality modality, List<String> ids, List<String> labels,
        FloatMatrix vectors) {

    public enum Modality { TEXT, IMAGE }

    public StoredIndex {
        ids = List.copyOf(ids);
        labels = List.copyOf(labels);
        if (ids.size() != vectors.rows() || labels.size() != vectors.rows()) {
            throw new InvalidInputException("index", ids.size() + " ids and " + labels.size()
                    + " labels for " + vectors.rows() + " vectors");
        }
    }

    public int size() {
        return vectors.rows();
    }
}
