package io.mmfuse.search;

import io.mmfuse.InvalidInputException;

/**
 * A dense row-major float32 matrix on the Java heap: the unit every search backend takes and the
 * encoders return. The array is not copied; callers must not mutate it after handing it over.
 */
public record FloatMatrix(int rows, int cols, float[] data) {
    public FloatMatrix {
        if (rows < 0 || cols <= 0) {
            throw new InvalidInputException("matrix", "shape must be rows >= 0, cols > 0, got " + rows + "x" + cols);
        }
        if (data == null || (long) rows * cols != data.length) {
            throw new InvalidInputException("matrix",
                    "data length " + (data == null ? "null" : data.length) + " does not match " + rows + "x" + cols);
        }
    }

    public static FloatMatrix of(float[][] rows) {
        if (rows.length == 0) {
            throw new InvalidInputException("matrix", "no rows");
        }
        int cols = rows[0].length;
        float[] flat = new float[rows.length * cols];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != cols) {
                throw new InvalidInputException("matrix[" + i + "]", "has " + rows[i].length + " columns, expected " + cols);
            }
            System.arraycopy(rows[i], 0, flat, i * cols, cols);
        }
        return new FloatMatrix(rows.length, cols, flat);
    }

    public float get(int row, int col) {
        return data[row * cols + col];
    }

    public float[] row(int row) {
        float[] out = new float[cols];
        System.arraycopy(data, row * cols, out, 0, cols);
        return out;
    }

    /** Rows [from, to) as a new matrix (copy). */
    public FloatMatrix slice(int from, int to) {
        float[] out = new float[(to - from) * cols];
        System.arraycopy(data, from * cols, out, 0, out.length);
        return new FloatMatrix(to - from, cols, out);
    }

    /**
     * Throws if any value is NaN or infinite, naming the first bad row. Search backends call this
     * before anything native sees the data, because a NaN silently poisons every ranking.
     */
    public void requireFinite(String name) {
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw new InvalidInputException(name + "[" + (i / cols) + "]",
                        "contains a non-finite value (" + data[i] + ") at column " + (i % cols));
            }
        }
    }
}
