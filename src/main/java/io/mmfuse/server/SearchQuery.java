package io.mmfuse.server;

/** A search of one collection by exactly one of text, image (encoded file) or vector. */
public record SearchQuery(String collection, int k, String text, byte[] image, float[] vector) {
    public static SearchQuery byText(String collection, String text, int k) {
        return new SearchQuery(collection, k, text, null, null);
    }

    public static SearchQuery byImage(String collection, byte[] image, int k) {
        return new SearchQuery(collection, k, null, image, null);
    }

    public static SearchQuery byVector(String collection, float[] vector, int k) {
        return new SearchQuery(collection, k, null, null, vector);
    }
}
