package io.mmfuse;

/**
 * Asked by long library calls between units of work (a chunk of generated images, a refinement
 * step); once it answers true the call stops at the next unit, frees what it holds and throws
 * {@link CancelledException}. A server passes one that turns true at the request's deadline, so a
 * request its caller has given up on stops occupying the model instead of running to the end.
 */
@FunctionalInterface
public interface Cancellation {
    /** Never cancels: the call runs to the end. */
    Cancellation NONE = () -> false;

    boolean isCancelled();

    /** Cancels once {@link System#nanoTime()} reaches {@code deadlineNanos}. */
    static Cancellation atNanoTime(long deadlineNanos) {
        return () -> System.nanoTime() - deadlineNanos >= 0;
    }

    /** Cancels when this or {@code other} does. */
    default Cancellation or(Cancellation other) {
        return () -> isCancelled() || other.isCancelled();
    }

    /** @throws CancelledException naming {@code work} when cancelled */
    default void check(String work) {
        if (isCancelled()) {
            throw new CancelledException(work + ": cancelled before it finished");
        }
    }
}
