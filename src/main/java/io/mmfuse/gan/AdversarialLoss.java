package io.mmfuse.gan;

import static org.bytedeco.pytorch.global.torch.binary_cross_entropy_with_logits;
import static org.bytedeco.pytorch.global.torch.relu;
import static org.bytedeco.pytorch.global.torch.softplus;

import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;

/**
 * The adversarial terms. For a matching-aware D the "fake" side is split evenly between generated
 * images with their caption and real images with a mismatched caption (GAN-INT-CLS), so D has to
 * judge the pair, not just the image.
 */
final class AdversarialLoss {
    private AdversarialLoss() {
    }

    /**
     * @param real D(x, t)
     * @param fake D(G(z, t), t)
     * @param wrong D(x, t_wrong), or null for an unconditional D
     */
    static Tensor discriminator(GanConfig.Loss loss, Tensor real, Tensor fake, Tensor wrong) {
        Tensor r = acceptReal(loss, real);
        if (wrong == null) {
            return r.add(rejectFake(loss, fake));
        }
        return r.add(rejectFake(loss, fake).add(rejectFake(loss, wrong)).mul(new Scalar(0.5)));
    }

    /** @param fake D(G(z, t), t) with the graph through G */
    static Tensor generator(GanConfig.Loss loss, Tensor fake) {
        return loss == GanConfig.Loss.HINGE ? fake.mean().neg() : softplus(fake.neg(), one(), threshold()).mean();
    }

    private static Tensor acceptReal(GanConfig.Loss loss, Tensor logits) {
        return loss == GanConfig.Loss.HINGE
                ? relu(logits.neg().add(one())).mean()
                : softplus(logits.neg(), one(), threshold()).mean();
    }

    private static Tensor rejectFake(GanConfig.Loss loss, Tensor logits) {
        return loss == GanConfig.Loss.HINGE
                ? relu(logits.add(one())).mean()
                : softplus(logits, one(), threshold()).mean();
    }

    /**
     * The word head's loss: binary cross-entropy of every vocabulary word, summed over the words
     * and divided by the caption's number of words, so that its scale does not grow with the
     * vocabulary (a 40-word shapes vocabulary and a 5,000-word Flickr one weigh alike), then
     * averaged over the batch.
     *
     * @param logits [B, classes] word logits
     * @param targets [B, classes] 0/1 labels, at least one 1 per row
     */
    static Tensor words(Tensor logits, Tensor targets) {
        Tensor each = binary_cross_entropy_with_logits(logits, targets, new TensorOptional(), new TensorOptional(),
                0 /* reduction none */);
        return each.sum(1).div(targets.sum(1)).mean();
    }

    private static Scalar one() {
        return new Scalar(1.0);
    }

    private static Scalar threshold() {
        return new Scalar(20.0);
    }
}
