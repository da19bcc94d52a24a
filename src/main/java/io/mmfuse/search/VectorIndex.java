package io.mmfuse.search;

/**
 * Exact k-nearest-neighbour search by squared L2 distance over a growing set of vectors, whose ids
 * are their row positions 0..size()-1. Implemented on the CPU ({@link CpuKnn}) and on CUDA
 * (io.mmfuse.cuda.CudaKnn); both pass the same contract test.
 *
 * <p>Contract: every argument is validated before native code runs ({@link
 * io.mmfuse.InvalidInputException} for wrong dimensions, non-finite values, k &lt; 1 or k &gt;
 * size()); results are sorted by ascending distance, ties by lower id; {@link #close()} is
 * idempotent and any other call after it throws IllegalStateException. Searches may run
 * concurrently with each other, not with mutations.
 */
public interface VectorIndex extends AutoCloseable {
    /** Dimensionality of every vector in the index. */
    int dimension();

    /** Number of vectors held. */
    int size();

    /** Appends rows; they get ids size() .. size()+rows-1. */
    void add(FloatMatrix rows);

    /** Replaces the vector with the given id. */
    void set(int id, float[] vector);

    /** The k nearest stored vectors for each query row. */
    TopK search(FloatMatrix queries, int k);

    /** Short name of the backend, for logs and reports ("cpu", "cuda"). */
    String backend();

    @Override
    void close();
}
