package io.mmfuse.model;

import static org.bytedeco.pytorch.global.torch.relu;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.ConvTranspose2dImpl;
import org.bytedeco.pytorch.ConvTranspose2dOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * Mirror of {@link ImageEncoder}: a linear layer to an 8w x S/16 x S/16 map, then four stride-2
 * transposed convolutions (kernel 4, padding 1: exactly doubles the side) back to 3 x S x S.
 * No output activation: the targets are mean/std-normalised images, not [0, 1].
 */
public final class ImageDecoder extends Module {
    private final LinearImpl expand;
    private final ConvTranspose2dImpl[] deconvs = new ConvTranspose2dImpl[4];
    private final int side;
    private final int channels;

    public ImageDecoder(ModelConfig config) {
        side = config.imageSize() / 16;
        channels = ImageEncoder.channels(config, 3);
        expand = Tensors.keep(register_module("expand", new LinearImpl(config.commonDim(), (long) channels * side * side)));
        int in = channels;
        for (int i = 0; i < 4; i++) {
            int out = i == 3 ? 3 : ImageEncoder.channels(config, 2 - i);
            ConvTranspose2dOptions o = new ConvTranspose2dOptions(in, out, new LongPointer(4L, 4L));
            o.stride().put(new LongPointer(2L, 2L));
            o.padding().put(new LongPointer(1L, 1L));
            deconvs[i] = Tensors.keep(register_module("deconv" + i, new ConvTranspose2dImpl(o)));
            in = out;
        }
    }

    /** [B, commonDim] -> [B, 3, S, S]. */
    public Tensor forward(Tensor latent) {
        Tensor x = relu(expand.forward(latent)).view(latent.size(0), channels, side, side);
        for (int i = 0; i < 4; i++) {
            x = deconvs[i].forward(x);
            if (i < 3) {
                x = relu(x);
            }
        }
        return x;
    }
}
