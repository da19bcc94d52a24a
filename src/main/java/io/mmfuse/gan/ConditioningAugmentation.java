package io.mmfuse.gan;

import io.mmfuse.model.Tensors;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Conditioning augmentation (StackGAN): the caption embedding parameterises a Gaussian N(mu,
 * sigma^2) and the generator is conditioned on a sample c = mu + eps * sigma, which smooths the
 * conditioning manifold (few captions per image) and adds variety. The KL divergence to N(0, I)
 * keeps that Gaussian from collapsing to a point.
 */
final class ConditioningAugmentation extends Module {
    private final LinearImpl fc;
    private final int condDim;

    /** c with the Gaussian it was drawn from. */
    record Output(Tensor c, Tensor mu, Tensor logvar) {
        /** KL(N(mu, sigma^2) || N(0, I)), averaged over batch and dimensions as in StackGAN. */
        Tensor kl() {
            // -0.5 * (1 + logvar - mu^2 - exp(logvar))
            return mu.pow(new Scalar(2)).add(logvar.exp()).sub(logvar).sub(new Scalar(1)).mean().mul(new Scalar(0.5));
        }
    }

    ConditioningAugmentation(int textDim, int condDim) {
        this.condDim = condDim;
        fc = Tensors.keep(register_module("fc", new LinearImpl(textDim, 2L * condDim)));
    }

    /**
     * @param text [B, textDim] caption embeddings
     * @param eps [B, condDim] standard normal draws (the caller takes them from a seeded LibTorch
     *     generator: the trainer from the global one, sampling from one per request)
     */
    Output forward(Tensor text, Tensor eps) {
        Tensor h = fc.forward(unitScale(text));
        Tensor mu = h.narrow(1, 0, condDim);
        Tensor logvar = h.narrow(1, condDim, condDim);
        Tensor c = mu.add(eps.mul(logvar.mul(new Scalar(0.5)).exp()));
        return new Output(c, mu, logvar);
    }

    /**
     * Rescales L2-normalised embeddings (entries of about 1/sqrt(d)) to entries of about 1, the
     * input scale the layers' initialisation assumes. Unscaled, mu starts about 30x smaller than
     * the conditioning noise at d = 256, the generator learns to ignore the caption and the KL term
     * then pulls mu to 0 for good (measured: rows of a sample grid identical after 850 steps).
     */
    static Tensor unitScale(Tensor text) {
        return text.mul(new Scalar(Math.sqrt(text.size(1))));
    }

    int condDim() {
        return condDim;
    }
}
