package io.mmfuse.model;

import static org.bytedeco.pytorch.global.torch.adaptive_avg_pool2d;
import static org.bytedeco.pytorch.global.torch.dropout;
import static org.bytedeco.pytorch.global.torch.max_pool2d;
import static org.bytedeco.pytorch.global.torch.relu;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.GroupNormImpl;
import org.bytedeco.pytorch.GroupNormOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.MemoryFormat;

/**
 * A small CNN trained from scratch: four conv3x3-norm-ReLU blocks with widths w, 2w, 4w, 8w, each
 * halving the resolution (the first by a stride-2 conv, the others by 2x2 max-pooling), then global
 * average pooling and a linear projection into the common space.
 *
 * <p>The first block is strided rather than pooled because at full resolution the network is
 * memory-bound: a w-channel 64x64 activation map per image costs more in BatchNorm/ReLU/pool passes
 * than its convolution. Activations run channels-last, which LibTorch's CPU (oneDNN) convolutions
 * execute about 1.5-2x faster than NCHW for these shapes.
 */
public final class ImageEncoder extends Module {
    static final int[] WIDTH_MULTIPLIERS = {1, 2, 4, 8};
    private static final int GROUPS = 8;

    private final Conv2dImpl[] convs = new Conv2dImpl[4];
    private final BatchNorm2dImpl[] batchNorms = new BatchNorm2dImpl[4];
    private final GroupNormImpl[] groupNorms = new GroupNormImpl[4];
    private final LinearImpl projection;
    private final double dropout;

    public ImageEncoder(ModelConfig config) {
        this.dropout = config.dropout();
        int in = 3;
        for (int i = 0; i < 4; i++) {
            int out = channels(config, i);
            Conv2dOptions o = new Conv2dOptions(in, out, new LongPointer(3L, 3L));
            long stride = i == 0 ? 2 : 1;
            o.stride().put(new LongPointer(stride, stride));
            o.padding().put(new LongPointer(1L, 1L));
            o.bias().put(false); // the norm that follows has its own shift
            convs[i] = Tensors.keep(register_module("conv" + i, new Conv2dImpl(o)));
            if (config.imageNorm() == ModelConfig.ImageNorm.BATCH) {
                batchNorms[i] = Tensors.keep(register_module("norm" + i, new BatchNorm2dImpl(new BatchNormOptions(out))));
            } else {
                groupNorms[i] = Tensors.keep(register_module("norm" + i,
                        new GroupNormImpl(new GroupNormOptions(Math.min(GROUPS, out), out))));
            }
            in = out;
        }
        projection = Tensors.keep(register_module("proj", new LinearImpl(in, config.commonDim())));
    }

    /** Channels of block i (0..3). */
    static int channels(ModelConfig config, int block) {
        return config.cnnWidth() * WIDTH_MULTIPLIERS[block];
    }

    /** [B, 3, S, S] normalised images -> [B, commonDim] (not L2-normalised). */
    public Tensor forward(Tensor images) {
        Tensor x = adaptive_avg_pool2d(features(images)[3], 1, 1).flatten(1, -1);
        return projection.forward(dropout(x, dropout, is_training()));
    }

    /**
     * The output of every block: [B, w, S/2, S/2], [B, 2w, S/4, S/4], [B, 4w, S/8, S/8] and
     * [B, 8w, S/16, S/16] for [B, 3, S, S] normalised images (w = {@link #channels}(config, 0)).
     * For a discriminator that reads a frozen encoder's features (the GAN's feature heads).
     */
    public Tensor[] features(Tensor images) {
        Tensor[] out = new Tensor[4];
        Tensor x = images.contiguous(MemoryFormat.ChannelsLast);
        for (int i = 0; i < 4; i++) {
            x = block(i, x);
            out[i] = x;
        }
        return out;
    }

    private Tensor block(int i, Tensor x) {
        Tensor y = convs[i].forward(x);
        y = relu(batchNorms[i] != null ? batchNorms[i].forward(y) : groupNorms[i].forward(y));
        return i > 0 ? max_pool2d(y, 2, 2) : y;
    }
}
