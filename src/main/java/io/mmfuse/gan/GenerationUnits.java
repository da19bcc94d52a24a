package io.mmfuse.gan;

import io.mmfuse.Cancellation;

/**
 * The units of work of one generate call. The call asks it before each unit, as it asks a
 * {@link Cancellation}; each ask reports the units done so far to a {@link GenerationProgress} and
 * passes the caller's cancellation on. Used by one call on one thread.
 */
final class GenerationUnits implements Cancellation {
    private final Cancellation cancel;
    private final GenerationProgress progress;
    private final long total;
    private long done;

    /**
     * @param drawn images drawn before ranking (0 when refinement redraws every image itself)
     * @param rankingPasses retrieval models that rank the drawn images
     * @param refined images refined, {@code steps} steps each
     */
    GenerationUnits(Cancellation cancel, GenerationProgress progress, long drawn, int rankingPasses, long refined, int steps) {
        this.cancel = cancel;
        this.progress = progress;
        this.total = chunks(drawn, Sampler.CHUNK) + rankingPasses + chunks(refined, LatentRefinement.CHUNK) * steps;
    }

    @Override
    public boolean isCancelled() {
        progress.advanced(Math.min(done++, total), total);
        return cancel.isCancelled();
    }

    void finished() {
        progress.advanced(total, total);
    }

    private static long chunks(long items, int chunk) {
        return (items + chunk - 1) / chunk;
    }
}
