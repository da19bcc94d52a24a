package io.mmfuse.gan;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.TensorVector;

/**
 * Exponential moving average of the generator's weights, which samples better than the raw
 * generator of the last step. BatchNorm statistics are copied, not averaged: they describe the
 * activations of the current weights.
 *
 * <p>The decay warms up as min(decay, (1 + step) / (10 + step)), so early samples and short runs
 * are not dominated by the random initialisation.
 */
final class GeneratorAverage {
    private GeneratorAverage() {
    }

    static double effectiveDecay(double decay, long step) {
        return Math.min(decay, (1.0 + step) / (10.0 + step));
    }

    /** average = d * average + (1 - d) * live for parameters; buffers copied. */
    static void update(Generator average, Generator live, double decay) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            TensorVector avg = average.parameters();
            TensorVector cur = live.parameters();
            Scalar keep = new Scalar(decay);
            Scalar take = new Scalar(1 - decay);
            for (long i = 0; i < avg.size(); i++) {
                avg.get(i).mul_(keep).add_(cur.get(i), take);
            }
            copyBuffers(average, live);
        }
    }

    /** Makes {@code to} an exact copy of {@code from}. */
    static void copy(Generator from, Generator to) {
        try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            TensorVector dst = to.parameters();
            TensorVector src = from.parameters();
            for (long i = 0; i < dst.size(); i++) {
                dst.get(i).copy_(src.get(i));
            }
            copyBuffers(to, from);
        }
    }

    private static void copyBuffers(Generator to, Generator from) {
        TensorVector dst = to.buffers();
        TensorVector src = from.buffers();
        for (long i = 0; i < dst.size(); i++) {
            dst.get(i).copy_(src.get(i));
        }
    }
}
