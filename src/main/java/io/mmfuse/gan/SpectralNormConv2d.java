package io.mmfuse.gan;

import static org.bytedeco.pytorch.global.torch.conv2d;
import static org.bytedeco.pytorch.global.torch.randn;
import static org.bytedeco.pytorch.global.torch.zeros;

import io.mmfuse.model.Tensors;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;

/**
 * A square-kernel Conv2d whose weight is divided by its spectral norm (see
 * {@link SpectralNormalizer}); with normalisation off it is a plain conv with the same parameter
 * names minus the u/v buffers. Weights start N(0, 0.02) as in DCGAN, biases at 0.
 */
final class SpectralNormConv2d extends Module {
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor u;
    private final Tensor v;
    private final long[] stride;
    private final long[] padding;
    private static final long[] DILATION = {1, 1};

    SpectralNormConv2d(long in, long out, long kernel, long stride, long padding, boolean spectralNorm) {
        weight = ModuleTensors.register(register_parameter("weight", randn(out, in, kernel, kernel).mul(new Scalar(0.02))));
        bias = ModuleTensors.register(register_parameter("bias", zeros(out)));
        if (spectralNorm) {
            u = ModuleTensors.register(register_buffer("u", SpectralNormalizer.randomUnit(out)));
            v = ModuleTensors.register(register_buffer("v", SpectralNormalizer.randomUnit(in * kernel * kernel)));
        } else {
            u = null;
            v = null;
        }
        this.stride = new long[] {stride, stride};
        this.padding = new long[] {padding, padding};
    }

    Tensor forward(Tensor x) {
        return conv2d(x, effectiveWeight(is_training()), new TensorOptional(bias), stride, padding, DILATION, 1);
    }

    /** The weight the conv applies; {@code iterate} first runs a power iteration step. */
    Tensor effectiveWeight(boolean iterate) {
        return u == null ? weight : SpectralNormalizer.normalise(weight, u, v, iterate);
    }
}
