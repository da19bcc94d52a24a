package io.mmfuse.gan;

import static org.bytedeco.pytorch.global.torch.dot;
import static org.bytedeco.pytorch.global.torch.mv;
import static org.bytedeco.pytorch.global.torch.randn;

import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Spectral normalisation (Miyato et al. 2018) for a weight viewed as a [out, rest] matrix: the
 * layer uses W / sigma(W), where sigma is estimated by power iteration with persistent vectors u
 * and v. LibTorch's C++ API has no spectral_norm, so the layers call this themselves.
 *
 * <p>As in PyTorch, each training forward runs one power iteration (under NoGradGuard, updating
 * the buffers in place) and sigma = u^T W v is differentiated through W only. Clones of u and v
 * go into the graph: a second forward before backward (D sees real, fake and mismatched pairs)
 * updates the buffers again, which would otherwise invalidate the first graph's saved tensors.
 */
final class SpectralNormalizer {
    private static final double EPS = 1e-12;

    private SpectralNormalizer() {
    }

    /** A random unit vector of length n from LibTorch's global generator. */
    static Tensor randomUnit(long n) {
        return unit(randn(n));
    }

    /**
     * @param weight the raw parameter, any shape with dim 0 = output channels
     * @param u persistent left singular vector estimate [out]
     * @param v persistent right singular vector estimate [rest]
     * @param iterate run one power iteration first (training mode)
     */
    static Tensor normalise(Tensor weight, Tensor u, Tensor v, boolean iterate) {
        Tensor matrix = weight.reshape(weight.size(0), -1);
        if (iterate) {
            try (NoGradGuard g = new NoGradGuard()) {
                v.copy_(unit(mv(matrix.t(), u)));
                u.copy_(unit(mv(matrix, v)));
            }
        }
        Tensor sigma = dot(u.clone(), mv(matrix, v.clone()));
        return weight.div(sigma);
    }

    private static Tensor unit(Tensor x) {
        return x.div(x.norm().add(new Scalar(EPS)));
    }
}
