package io.mmfuse.train;

import java.util.ArrayList;
import java.util.List;

/** Keeps every progress event; for asserting on loss trajectories without console output. */
final class RecordingProgress implements ProgressSink {
    final List<Step> steps = new ArrayList<>();
    final List<EpochStats> epochs = new ArrayList<>();
    int started;
    boolean closed;

    @Override
    public void epochStarted(int epoch, int epochs, int steps) {
        started++;
    }

    @Override
    public void step(Step step) {
        steps.add(step);
    }

    @Override
    public void epochFinished(EpochStats stats) {
        epochs.add(stats);
    }

    @Override
    public void close() {
        closed = true;
    }

    double[] losses() {
        return steps.stream().mapToDouble(Step::loss).toArray();
    }
}
