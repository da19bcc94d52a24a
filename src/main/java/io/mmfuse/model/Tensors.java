package io.mmfuse.model;

import static org.bytedeco.pytorch.global.torch.from_blob;
import static org.bytedeco.pytorch.global.torch.normalize;

import io.mmfuse.InvalidInputException;
import io.mmfuse.NativeBackendException;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NormalizeFuncOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Heap <-> tensor copies and the other small pieces of JavaCPP glue the model and trainer share.
 * Tensors returned here belong to the caller's PointerScope, if one is open.
 */
public final class Tensors {
    private Tensors() {
    }

    /** [B, D] -> each row divided by its L2 norm (eps 1e-12); the options live in the caller's PointerScope. */
    public static Tensor l2NormalizeRows(Tensor x) {
        NormalizeFuncOptions o = new NormalizeFuncOptions();
        o.p().put(2.0);
        o.dim().put(1L);
        o.eps().put(1e-12);
        return normalize(x, o);
    }

    /** One bulk copy of a heap array into a new float tensor of the given shape on {@code device}. */
    public static Tensor floats(float[] data, Device device, long... shape) {
        return floats(data, 0, data.length, device, shape);
    }

    /**
     * One bulk copy of {@code data[offset, offset + length)} into a new float tensor of the given
     * shape (whose element count must be {@code length}) on {@code device}. The tensor owns its
     * memory; the staging buffer is freed before returning.
     */
    public static Tensor floats(float[] data, int offset, int length, Device device, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        if (n != length || offset < 0 || offset + (long) length > data.length) {
            throw new InvalidInputException("tensor data", "range [" + offset + ", " + (offset + (long) length)
                    + ") of " + data.length + " floats does not fit shape " + java.util.Arrays.toString(shape));
        }
        try (FloatPointer staging = new FloatPointer(length)) {
            staging.put(data, offset, length);
            try (Tensor view = from_blob(staging, shape)) {
                return device.is_cuda() ? view.to(device, ScalarType.Float) : view.clone();
            }
        }
    }

    /** One bulk copy of a heap array into a new int64 tensor of the given shape on {@code device}. */
    public static Tensor longs(long[] data, Device device, long... shape) {
        Tensor cpu = Tensor.create(data, shape);
        return device.is_cuda() ? cpu.to(device, ScalarType.Long) : cpu;
    }

    /** Copies a float tensor (any device, any layout) to a new heap array, row-major. */
    public static float[] toHeap(Tensor t) {
        Tensor cpu = t.is_cuda() ? t.to(new Device("cpu"), ScalarType.Float) : t;
        Tensor c = cpu.contiguous();
        long n = c.numel();
        if (n > Integer.MAX_VALUE) {
            throw new InvalidInputException("tensor", "too large for a Java array: " + n + " elements");
        }
        float[] out = new float[(int) n];
        c.data_ptr_float().get(out);
        return out;
    }

    /**
     * Copies a float tensor of exactly {@code dst.length - offset} or fewer elements into
     * {@code dst} starting at {@code offset}, without an intermediate heap array.
     */
    public static void copyToHeap(Tensor t, float[] dst, int offset) {
        Tensor cpu = t.is_cuda() ? t.to(new Device("cpu"), ScalarType.Float) : t;
        Tensor c = cpu.contiguous();
        long n = c.numel();
        if (offset < 0 || offset + n > dst.length) {
            throw new InvalidInputException("destination", n + " floats do not fit at offset " + offset
                    + " of an array of " + dst.length);
        }
        c.data_ptr_float().get(dst, offset, (int) n);
    }

    /**
     * Pads rows of token ids into a [rows, width] int64 block (0 = padding) where width is the
     * longest row, capped at maxTokens (longer rows are truncated) and at least 1.
     *
     * @throws InvalidInputException naming the row when an id is outside [0, vocabSize)
     */
    public static long[] padTokens(int[][] tokens, int from, int to, int maxTokens, int vocabSize, int[] widthOut) {
        int width = 1;
        for (int r = from; r < to; r++) {
            if (tokens[r] == null) {
                throw new InvalidInputException("tokens[" + r + "]", "is null");
            }
            width = Math.max(width, Math.min(tokens[r].length, maxTokens));
        }
        long[] out = new long[(to - from) * width];
        for (int r = from; r < to; r++) {
            int[] row = tokens[r];
            int n = Math.min(row.length, width);
            int base = (r - from) * width;
            for (int j = 0; j < n; j++) {
                int id = row[j];
                if (id < 0 || id >= vocabSize) {
                    throw new InvalidInputException("tokens[" + r + "][" + j + "]",
                            "id " + id + " outside the vocabulary [0, " + vocabSize + ")");
                }
                out[base + j] = id;
            }
        }
        widthOut[0] = width;
        return out;
    }

    /**
     * Takes a long-lived native object (a module, a parameter handle kept in a field) out of the
     * caller's PointerScope, if any, so that closing that scope does not free it under us; it is
     * then freed by its own {@code close()} (or the GC). PointerScope.detach alone would release
     * the scope's reference and free it at once, hence the retain first.
     */
    public static <P extends Pointer> P keep(P p) {
        PointerScope scope = PointerScope.getInnerScope();
        if (scope != null) {
            p.retainReference();
            scope.detach(p);
        }
        return p;
    }

    /** LibTorch errors arrive as bare RuntimeExceptions carrying the ATen message: type them. */
    public static NativeBackendException nativeFailure(String what, RuntimeException e) {
        String msg = e.getMessage() == null ? e.toString() : e.getMessage();
        int nl = msg.indexOf('\n');
        return new NativeBackendException(what + ": " + (nl < 0 ? msg : msg.substring(0, nl)), e);
    }
}
