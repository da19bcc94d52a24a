package io.mmfuse.cuda;

import io.mmfuse.InvalidInputException;
import io.mmfuse.search.FloatMatrix;

/**
 * The argument checks of {@link CudaKnn}, the same rules as the VectorIndex contract, in plain
 * Java so that nothing invalid reaches native code (and so that they can be tested without a GPU).
 */
final class KnnArguments {
    private KnnArguments() {}

    static void dimension(int dimension) {
        if (dimension < 1) {
            throw new InvalidInputException("dimension", "must be >= 1, got " + dimension);
        }
    }

    static void rows(String name, FloatMatrix m, int dimension) {
        if (m == null) {
            throw new InvalidInputException(name, "is null");
        }
        if (m.cols() != dimension) {
            throw new InvalidInputException(name,
                    "dimension " + m.cols() + " does not match the index dimension " + dimension);
        }
        m.requireFinite(name);
    }

    static void vector(String name, float[] v, int dimension) {
        if (v == null) {
            throw new InvalidInputException(name, "is null");
        }
        if (v.length != dimension) {
            throw new InvalidInputException(name,
                    "dimension " + v.length + " does not match the index dimension " + dimension);
        }
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new InvalidInputException(name, "contains a non-finite value (" + v[i] + ") at column " + i);
            }
        }
    }

    static void id(int id, int size) {
        if (id < 0 || id >= size) {
            throw new InvalidInputException("id", "must be in 0.." + (size - 1) + ", got " + id
                    + (size == 0 ? " (the index is empty)" : ""));
        }
    }

    static void k(int k, int size) {
        if (size == 0) {
            throw new InvalidInputException("k", "cannot search an empty index (k = " + k + ")");
        }
        if (k < 1 || k > size) {
            throw new InvalidInputException("k", "must be in 1.." + size + " (the index size), got " + k);
        }
    }

    static void growth(int size, int added) {
        if ((long) size + added > Integer.MAX_VALUE) {
            throw new InvalidInputException("rows",
                    "adding " + added + " rows to " + size + " would exceed " + Integer.MAX_VALUE + " vectors");
        }
    }

    static void resultSize(int queries, int k) {
        if ((long) queries * k > Integer.MAX_VALUE - 8) {
            throw new InvalidInputException("queries",
                    queries + " queries x k " + k + " results do not fit one Java array; search in batches");
        }
    }
}
