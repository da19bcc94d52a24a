package io.mmfuse.collection;

/** Deterministic items for tests: the vector and metadata are functions of the id's number. */
final class TestItems {
    static final String MODEL = "fake-model@1";
    static final int DIM = 8;

    private TestItems() {
    }

    static float[] vector(int n) {
        float[] v = new float[DIM];
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) Math.sin(n * 0.37 + i * 1.3) * (1 + (n % 7));
        }
        return v;
    }

    static CollectionItem item(int n) {
        return new CollectionItem("item-" + n, vector(n), "label " + n, "{\"n\":" + n + ",\"tag\":\"t" + (n % 3) + "\"}");
    }
}
