package io.mmfuse.collection;

/**
 * One stored item: its external id, its embedding, a human-readable label (a caption or a file
 * name; may be null) and metadata as the text of a JSON object ("{}" when there is none). The
 * vector is not copied; neither side may mutate it after handing it over.
 */
public record CollectionItem(String id, float[] vector, String label, String metadataJson) {
    public CollectionItem {
        if (metadataJson == null || metadataJson.isEmpty()) {
            metadataJson = "{}";
        }
    }

    public CollectionItem(String id, float[] vector) {
        this(id, vector, null, "{}");
    }
}
