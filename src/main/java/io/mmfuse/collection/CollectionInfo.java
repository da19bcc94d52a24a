package io.mmfuse.collection;

/** What a collection holds: its name, vector size, the model that made them and the live count. */
public record CollectionInfo(String name, int dimension, String modelFingerprint, long count) {
}
