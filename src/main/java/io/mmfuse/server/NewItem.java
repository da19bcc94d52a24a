package io.mmfuse.server;

/**
 * An item to add to a collection. Its vector comes from {@code vector} if given, else from
 * {@code image}, else from {@code caption} (embedded by the server's model); giving both a vector
 * and an image is an error. The label defaults to the caption.
 */
public record NewItem(String id, byte[] image, String caption, float[] vector, String label, String metadataJson) {
    public static NewItem ofCaption(String id, String caption) {
        return new NewItem(id, null, caption, null, null, null);
    }

    public static NewItem ofImage(String id, byte[] image, String caption) {
        return new NewItem(id, image, caption, null, null, null);
    }

    public static NewItem ofVector(String id, float[] vector) {
        return new NewItem(id, null, null, vector, null, null);
    }
}
