package io.mmfuse.gan;

import static org.bytedeco.pytorch.global.torch.affine_grid_generator;
import static org.bytedeco.pytorch.global.torch.grid_sampler;
import static org.bytedeco.pytorch.global.torch.rand;

import io.mmfuse.model.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * Shifts each image of a batch by its own random whole number of pixels, up to {@code maxShift}
 * each way on each axis, repeating the border pixels into the uncovered strip. Differentiable in
 * the images (bilinear sampling at whole-pixel offsets is an exact shift), so a loss computed on
 * the shifted images still trains the generator.
 *
 * <p>Why: the matching loss scores generated images with a frozen image encoder, and a generator
 * can please a frozen network with pixel-exact patterns that mean nothing to a person (measured:
 * rainbow textures at matching weight 3). A pattern that must survive an unknown shift cannot be
 * tied to exact pixels, which leaves the coarser evidence (the shapes) to optimise, the
 * expectation-over-transformation argument of robust adversarial examples and of DiffAugment.
 * Offsets come from LibTorch's global generator, which the trainer seeds.
 */
final class RandomTranslation {
    private static final long BILINEAR = 0;
    private static final long BORDER = 1;

    private RandomTranslation() {
    }

    /**
     * @param images [B, C, H, W] on any device
     * @param maxShift largest shift in pixels, &gt;= 0 (0 returns {@code images})
     */
    static Tensor apply(Tensor images, int maxShift) {
        if (maxShift == 0) {
            return images;
        }
        long b = images.size(0);
        float[] u = Tensors.toHeap(rand(b, 2));
        int[] dx = new int[(int) b];
        int[] dy = new int[(int) b];
        for (int i = 0; i < b; i++) {
            dx[i] = offset(u[2 * i], maxShift);
            dy[i] = offset(u[2 * i + 1], maxShift);
        }
        return apply(images, dx, dy);
    }

    /** Shifts the content of image i dx[i] pixels left and dy[i] pixels up (negative: right, down). */
    static Tensor apply(Tensor images, int[] dx, int[] dy) {
        long b = images.size(0);
        long h = images.size(2);
        long w = images.size(3);
        float[] theta = new float[(int) b * 6];
        for (int i = 0; i < b; i++) {
            // theta maps output to input coordinates in [-1, 1]: one pixel is 2 / side.
            theta[6 * i] = 1f;
            theta[6 * i + 2] = 2f * dx[i] / w;
            theta[6 * i + 4] = 1f;
            theta[6 * i + 5] = 2f * dy[i] / h;
        }
        Tensor t = Tensors.floats(theta, images.device(), b, 2, 3);
        Tensor grid = affine_grid_generator(t, new long[] {b, images.size(1), h, w}, false);
        return grid_sampler(images, grid, BILINEAR, BORDER, false);
    }

    /** A uniform draw u in [0, 1) as a whole offset in [-maxShift, maxShift]. */
    static int offset(float u, int maxShift) {
        return Math.min(maxShift, (int) Math.floor(u * (2 * maxShift + 1)) - maxShift);
    }
}
