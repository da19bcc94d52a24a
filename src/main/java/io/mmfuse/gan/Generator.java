package io.mmfuse.gan;

import static org.bytedeco.pytorch.global.torch.cat;
import static org.bytedeco.pytorch.global.torch.relu;
import static org.bytedeco.pytorch.global.torch.tanh;
import static org.bytedeco.pytorch.global.torch.upsample_nearest2d;

import io.mmfuse.model.Tensors;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.ConvTranspose2dImpl;
import org.bytedeco.pytorch.ConvTranspose2dOptions;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LinearOptions;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * DCGAN generator conditioned on a caption embedding: [z, c] (c from {@link ConditioningAugmentation},
 * which belongs to the generator and is trained with it) -> Linear -> 4x4x8w -> four
 * ConvTranspose2d(4, stride 2, pad 1) upsamplings to 8, 16, 32 (BatchNorm + ReLU, 4w, 2w, w
 * channels) and 64 (3 channels, tanh). The output range [-1, 1] is mmfuse's normalised image space.
 *
 * <p>With {@link GanConfig.GeneratorUpsampling#RESIZE_CONV} each transposed convolution becomes a
 * nearest-neighbour 2x resize followed by Conv2d(3, pad 1) with the same channels.
 *
 * <p>With {@link GanConfig.GeneratorUpsampling#TRANSPOSED_REFINED} the last transposed convolution
 * makes max(1, w/2) channels, followed by BatchNorm + ReLU and Conv2d(3, pad 1) to RGB.
 *
 * <p>With {@link GanConfig.GeneratorConditioning#PER_BLOCK} the four BatchNorms lose their own
 * affine and take scale (1 + gamma) and shift beta from a linear map of the caption code c, one per
 * block (conditional BatchNorm).
 *
 * <p>With {@link GanConfig.CaptionEncoding#LEARNED} the generator owns a {@link CaptionEncoder}
 * ({@link #encodeCaptions}) whose output the caller passes to {@link #forward} as the text.
 *
 * <p>Weights start as in DCGAN: N(0, 0.02) for linear and conv kernels, N(1, 0.02) for BatchNorm
 * scales, zero shifts; the conditional maps start at N(0, 0.02) weights and zero biases, so that
 * they begin as plain BatchNorm.
 */
final class Generator extends Module {
    private static final int[] WIDTHS = {8, 4, 2, 1};

    private final GanConfig config;
    private final Scalar one = Tensors.keep(new Scalar(1.0));
    private final ConditioningAugmentation ca;
    private final LinearImpl project;
    private final BatchNorm2dImpl[] norms = new BatchNorm2dImpl[4];
    /** TRANSPOSED: the upsampling convolutions; null entries with RESIZE_CONV. */
    private final ConvTranspose2dImpl[] ups = new ConvTranspose2dImpl[4];
    /** RESIZE_CONV: the 3x3 convolutions after each resize; null entries with TRANSPOSED. */
    private final Conv2dImpl[] resizeConvs = new Conv2dImpl[4];
    /** TRANSPOSED_REFINED only (null otherwise): the norm and the 3x3 conv to RGB at full resolution. */
    private final BatchNorm2dImpl refineNorm;
    private final Conv2dImpl toRgb;
    /** PER_BLOCK only: c -> [gamma, beta] for norms[i]; null entries otherwise. */
    private final LinearImpl[] films = new LinearImpl[4];
    /** LEARNED caption encoding only (null otherwise): tokens -> what {@link #forward} takes as text. */
    private final CaptionEncoder captions;

    /** Images with the conditioning Gaussian they were generated from (for the KL term). */
    record Output(Tensor images, ConditioningAugmentation.Output conditioning) {
    }

    Generator(GanConfig config) {
        this.config = config;
        int w = config.genWidth();
        ca = Tensors.keep(register_module("ca", new ConditioningAugmentation(config.textDim(), config.condDim())));
        captions = CaptionEncoder.register(this, config);
        LinearOptions lo = new LinearOptions(config.noiseDim() + config.condDim(), 16L * WIDTHS[0] * w);
        lo.bias().put(false); // BatchNorm follows
        project = Tensors.keep(register_module("project", new LinearImpl(lo)));
        norms[0] = norm(0, (long) WIDTHS[0] * w);
        boolean refined = config.generatorUpsampling() == GanConfig.GeneratorUpsampling.TRANSPOSED_REFINED;
        long refineChannels = Math.max(1, w / 2);
        for (int i = 0; i < 4; i++) {
            boolean last = i == 3;
            long in = (long) WIDTHS[i] * w;
            long out = last ? (refined ? refineChannels : 3) : (long) WIDTHS[i + 1] * w;
            if (config.generatorUpsampling() == GanConfig.GeneratorUpsampling.RESIZE_CONV) {
                Conv2dOptions o = new Conv2dOptions(in, out, new LongPointer(3L, 3L));
                o.padding().put(new LongPointer(1L, 1L));
                o.bias().put(last);
                resizeConvs[i] = Tensors.keep(register_module("up" + i, new Conv2dImpl(o)));
            } else {
                ConvTranspose2dOptions o = new ConvTranspose2dOptions(in, out, new LongPointer(4L, 4L));
                o.stride().put(new LongPointer(2L, 2L));
                o.padding().put(new LongPointer(1L, 1L));
                o.bias().put(last && !refined);
                ups[i] = Tensors.keep(register_module("up" + i, new ConvTranspose2dImpl(o)));
            }
            if (!last) {
                norms[i + 1] = norm(i + 1, out);
            }
        }
        if (refined) {
            refineNorm = Tensors.keep(register_module("refine_norm", new BatchNorm2dImpl(new BatchNormOptions(refineChannels))));
            Conv2dOptions o = new Conv2dOptions(refineChannels, 3, new LongPointer(3L, 3L));
            o.padding().put(new LongPointer(1L, 1L));
            toRgb = Tensors.keep(register_module("to_rgb", new Conv2dImpl(o)));
        } else {
            refineNorm = null;
            toRgb = null;
        }
        initialise();
    }

    /**
     * @param noise [B, noiseDim]
     * @param text [B, textDim] caption embeddings
     * @param eps [B, condDim] standard normal draws for the conditioning augmentation
     * @return [B, 3, 64, 64] images in [-1, 1]
     */
    Output forward(Tensor noise, Tensor text, Tensor eps) {
        ConditioningAugmentation.Output cond = ca.forward(text, eps);
        TensorVector parts = new TensorVector(noise, cond.c());
        Tensor x = project.forward(cat(parts, 1)).view(-1, (long) WIDTHS[0] * config.genWidth(), 4, 4);
        x = relu(normalise(0, x, cond.c()));
        for (int i = 0; i < 3; i++) {
            x = relu(normalise(i + 1, upsample(i, x), cond.c()));
        }
        x = upsample(3, x);
        if (toRgb != null) {
            x = toRgb.forward(relu(refineNorm.forward(x)));
        }
        return new Output(tanh(x), cond);
    }

    /** The caption code this generator reads, from tokens; LEARNED caption encoding only. */
    Tensor encodeCaptions(CaptionEncoder.Inputs tokens) {
        if (captions == null) {
            throw new IllegalStateException("this generator reads frozen caption embeddings, not tokens");
        }
        return captions.forward(tokens);
    }

    private Tensor upsample(int i, Tensor x) {
        if (ups[i] != null) {
            return ups[i].forward(x);
        }
        return resizeConvs[i].forward(upsample_nearest2d(x, 2 * x.size(2), 2 * x.size(3)));
    }

    private BatchNorm2dImpl norm(int i, long channels) {
        boolean perBlock = config.generatorConditioning() == GanConfig.GeneratorConditioning.PER_BLOCK;
        BatchNormOptions o = new BatchNormOptions(channels);
        if (perBlock) {
            o.affine().put(false);
            films[i] = Tensors.keep(register_module("film" + i, new LinearImpl(config.condDim(), 2 * channels)));
        }
        return Tensors.keep(register_module("norm" + i, new BatchNorm2dImpl(o)));
    }

    private Tensor normalise(int i, Tensor x, Tensor c) {
        Tensor y = norms[i].forward(x);
        if (films[i] == null) {
            return y;
        }
        long channels = x.size(1);
        Tensor gb = films[i].forward(c).view(-1, 2 * channels, 1, 1);
        Tensor gamma = gb.narrow(1, 0, channels);
        Tensor beta = gb.narrow(1, channels, channels);
        return y.mul(gamma.add(one)).add(beta);
    }

    GanConfig config() {
        return config;
    }

    private void initialise() {
        try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            GeneratorOptional global = new GeneratorOptional();
            project.weight().normal_(0, 0.02, global);
            for (int i = 0; i < 4; i++) {
                Tensor weight = ups[i] != null ? ups[i].weight() : resizeConvs[i].weight();
                weight.normal_(0, 0.02, global);
            }
            if (toRgb != null) {
                toRgb.weight().normal_(0, 0.02, global);
                toRgb.bias().zero_();
                refineNorm.weight().normal_(1, 0.02, global);
                refineNorm.bias().zero_();
            } else {
                (ups[3] != null ? ups[3].bias() : resizeConvs[3].bias()).zero_();
            }
            for (int i = 0; i < 4; i++) {
                if (films[i] == null) {
                    norms[i].weight().normal_(1, 0.02, global);
                    norms[i].bias().zero_();
                } else {
                    films[i].weight().normal_(0, 0.02, global);
                    films[i].bias().zero_();
                }
            }
        }
    }
}
