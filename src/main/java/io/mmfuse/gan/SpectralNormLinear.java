package io.mmfuse.gan;

import static org.bytedeco.pytorch.global.torch.linear;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.bytedeco.pytorch.global.torch.zeros;

import io.mmfuse.model.Tensors;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;

/** A Linear layer whose weight is divided by its spectral norm (see {@link SpectralNormalizer}). */
final class SpectralNormLinear extends Module {
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor u;
    private final Tensor v;

    SpectralNormLinear(long in, long out, boolean spectralNorm) {
        weight = ModuleTensors.register(register_parameter("weight", randn(out, in).mul(new Scalar(0.02))));
        bias = ModuleTensors.register(register_parameter("bias", zeros(out)));
        if (spectralNorm) {
            u = ModuleTensors.register(register_buffer("u", SpectralNormalizer.randomUnit(out)));
            v = ModuleTensors.register(register_buffer("v", SpectralNormalizer.randomUnit(in)));
        } else {
            u = null;
            v = null;
        }
    }

    Tensor forward(Tensor x) {
        return linear(x, effectiveWeight(is_training()), new TensorOptional(bias));
    }

    /** The weight the layer applies; {@code iterate} first runs a power iteration step. */
    Tensor effectiveWeight(boolean iterate) {
        return u == null ? weight : SpectralNormalizer.normalise(weight, u, v, iterate);
    }
}
