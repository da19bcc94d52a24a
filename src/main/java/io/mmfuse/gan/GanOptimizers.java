package io.mmfuse.gan;

import io.mmfuse.MmfuseException;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.OptimizerParamGroupVector;
import org.bytedeco.pytorch.TensorVector;

/** Adam for one network, with the learning rate and betas of the config. */
final class GanOptimizers {
    private static final double DEFAULT_BETA1 = 0.9;
    private static final double DEFAULT_BETA2 = 0.999;

    private GanOptimizers() {
    }

    static Adam adam(Module network, double lr, GanConfig config) {
        try (PointerScope scope = new PointerScope()) {
            TensorVector params = network.parameters();
            AdamOptions o = new AdamOptions(lr);
            setBetas(o.betas(), config.beta1(), config.beta2());
            o.weight_decay().put(0.0);
            Adam adam = new Adam(params, o);
            adam.retainReference();
            scope.detach(adam);
            return adam;
        }
    }

    /** Re-applies the configured learning rate (an optimizer state loaded from a checkpoint carries its own). */
    static void setLearningRate(Adam adam, double lr) {
        try (PointerScope scope = new PointerScope()) {
            OptimizerParamGroupVector groups = adam.param_groups();
            for (long g = 0; g < groups.size(); g++) {
                groups.get(g).options().set_lr(lr);
            }
        }
    }

    /**
     * AdamOptions::betas is a std::tuple<double, double>, which JavaCPP exposes as two raw
     * doubles; libstdc++ lays a tuple out last element first. The defaults (0.9, 0.999) tell which
     * order this build uses.
     */
    static void setBetas(DoublePointer betas, double beta1, double beta2) {
        double first = betas.get(0);
        double second = betas.get(1);
        if (first == DEFAULT_BETA1 && second == DEFAULT_BETA2) {
            betas.put(0, beta1).put(1, beta2);
        } else if (first == DEFAULT_BETA2 && second == DEFAULT_BETA1) {
            betas.put(0, beta2).put(1, beta1);
        } else {
            throw new MmfuseException("unexpected default Adam betas (" + first + ", " + second + ") in this LibTorch build");
        }
    }
}
