package io.mmfuse.gan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.mmfuse.MmfuseException;
import io.mmfuse.model.Tensors;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class GanNetworksTest {
    private static final int B = 4;

    private static Tensor randn(long... shape) {
        return org.bytedeco.pytorch.global.torch.randn(shape);
    }

    private static Tensor text(long seed) {
        return Tensor.create(GanFixtures.unitRows(B, GanFixtures.TEXT_DIM, seed), B, GanFixtures.TEXT_DIM);
    }

    @Test
    void generatorMakesImagesInTheNormalisedRange() {
        GanConfig c = GanFixtures.tiny().build();
        try (GanNetworks nets = GanNetworks.create(c, GanFixtures.CPU);
             PointerScope scope = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            Generator.Output out = nets.generator.forward(randn(B, c.noiseDim()), text(1), randn(B, c.condDim()));
            assertThat(out.images().shape()).containsExactly(B, 3, 64, 64);
            float[] px = Tensors.toHeap(out.images());
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (float v : px) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
            assertThat(min).isGreaterThanOrEqualTo(-1f);
            assertThat(max).isLessThanOrEqualTo(1f);
            assertThat(max - min).as("not a constant image").isGreaterThan(0.01f);
            assertThat(out.conditioning().c().shape()).containsExactly(B, c.condDim());
            assertThat(out.conditioning().kl().item_float()).isGreaterThanOrEqualTo(0f);
        }
    }

    @Test
    void perBlockConditioningSteersEveryBlockFromTheCaptionCode() {
        GanConfig c = GanFixtures.tiny().generatorConditioning(GanConfig.GeneratorConditioning.PER_BLOCK).build();
        try (GanNetworks nets = GanNetworks.create(c, GanFixtures.CPU);
             PointerScope scope = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            var params = nets.generator.named_parameters();
            for (int i = 0; i < 4; i++) {
                assertThat(params.contains("film" + i + ".weight")).as("film%d", i).isTrue();
                assertThat(params.contains("norm" + i + ".weight")).as("norm%d has no own affine", i).isFalse();
            }
            nets.generator.eval();
            Tensor noise = randn(B, c.noiseDim());
            Tensor eps = randn(B, c.condDim());
            Tensor text = text(1);
            float[] before = Tensors.toHeap(nets.generator.forward(noise, text, eps).images());
            // Only the last conditional block's map changes: the image must follow it.
            params.get("film3.weight").mul_(new org.bytedeco.pytorch.Scalar(50.0));
            float[] after = Tensors.toHeap(nets.generator.forward(noise, text, eps).images());
            assertThat(after).isNotEqualTo(before);
            for (float v : after) {
                assertThat(v).isBetween(-1f, 1f);
            }
        }
    }

    /** In eval mode, two captions give two different [B, 3, 64, 64] batches, all within [-1, 1]. */
    private static void assertCaptionSteersImagesInRange(Generator generator, GanConfig c) {
        generator.eval();
        Tensor noise = randn(B, c.noiseDim());
        Tensor eps = randn(B, c.condDim());
        Tensor images = generator.forward(noise, text(1), eps).images();
        assertThat(images.shape()).containsExactly(B, 3, 64, 64);
        float[] a = Tensors.toHeap(images);
        assertThat(Tensors.toHeap(generator.forward(noise, text(2), eps).images()))
                .as("the caption reaches the image").isNotEqualTo(a);
        for (float v : a) {
            assertThat(v).isBetween(-1f, 1f);
        }
    }

    @Test
    void aRefinedGeneratorEndsWithA3x3ConvolutionToRgbAtFullResolution() {
        GanConfig c = GanFixtures.tiny().generatorUpsampling(GanConfig.GeneratorUpsampling.TRANSPOSED_REFINED).build();
        try (GanNetworks nets = GanNetworks.create(c, GanFixtures.CPU);
             PointerScope scope = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            var params = nets.generator.named_parameters();
            assertThat(params.get("up3.weight").shape()).as("the last transposed conv makes w/2 channels")
                    .containsExactly(c.genWidth(), c.genWidth() / 2L, 4, 4);
            assertThat(params.contains("up3.bias")).as("BatchNorm follows it").isFalse();
            assertThat(params.get("to_rgb.weight").shape()).containsExactly(3, c.genWidth() / 2L, 3, 3);
            assertCaptionSteersImagesInRange(nets.generator, c);
        }
    }

    @Test
    void resizeConvUpsamplingReplacesEveryTransposedConvolution() {
        GanConfig c = GanFixtures.tiny().generatorUpsampling(GanConfig.GeneratorUpsampling.RESIZE_CONV).build();
        try (GanNetworks nets = GanNetworks.create(c, GanFixtures.CPU);
             PointerScope scope = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            var params = nets.generator.named_parameters();
            for (int i = 0; i < 4; i++) {
                assertThat(params.get("up" + i + ".weight").shape()).as("up%d is a 3x3 conv", i)
                        .endsWith(3L, 3L);
            }
            assertCaptionSteersImagesInRange(nets.generator, c);
        }
    }

    @Test
    void theWordHeadHasOneLogitPerVocabularyWordAndNeedsItsSize() {
        GanConfig c = GanFixtures.tiny().wordWeight(1).wordClasses(11).build();
        try (GanNetworks nets = GanNetworks.create(c, GanFixtures.CPU);
             PointerScope scope = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            Discriminator.Judgement j = nets.discriminator.judge(randn(B, 3, 64, 64).tanh(), text(1), true, null);
            assertThat(j.words().shape()).containsExactly(B, 11);
            assertThat(j.logits().shape()).containsExactly(B);
            assertThat(nets.discriminator.judge(randn(B, 3, 64, 64).tanh(), text(1), false, null).words()).isNull();
        }
        try (GanNetworks plain = GanNetworks.create(GanFixtures.tiny().build(), GanFixtures.CPU);
             PointerScope scope = new PointerScope()) {
            assertThatThrownBy(() -> plain.discriminator.judge(randn(B, 3, 64, 64), text(1), true, null))
                    .isInstanceOf(IllegalStateException.class);
        }
        assertThatThrownBy(() -> GanNetworks.create(GanFixtures.tiny().wordWeight(1).build(), GanFixtures.CPU))
                .isInstanceOf(io.mmfuse.InvalidInputException.class).hasMessageStartingWith("wordClasses");
    }

    @Test
    void thePatchHeadJudgesEachLocationWithTheCaption() {
        try (GanNetworks nets = GanNetworks.create(GanFixtures.tiny().patchWeight(1).build(), GanFixtures.CPU);
             PointerScope scope = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            Tensor images = randn(B, 3, 64, 64).tanh();
            Tensor patches = nets.discriminator.judge(images, text(1), false, null).patchLogits();
            assertThat(patches.shape()).containsExactly(B, 64);
            float[] a = Tensors.toHeap(patches);
            assertThat(a).doesNotContain(Float.NaN);
            assertThat(Tensors.toHeap(nets.discriminator.judge(images, text(2), false, null).patchLogits()))
                    .as("the caption reaches every patch logit").isNotEqualTo(a);
        }
        try (GanNetworks plain = GanNetworks.create(GanFixtures.tiny().build(), GanFixtures.CPU);
             PointerScope scope = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            assertThat(plain.discriminator.judge(randn(B, 3, 64, 64), text(1), false, null).patchLogits()).isNull();
        }
        try (GanNetworks unconditional = GanNetworks.create(GanFixtures.tiny().patchWeight(1)
                .discriminator(GanConfig.DiscriminatorMode.UNCONDITIONAL).build(), GanFixtures.CPU);
             PointerScope scope = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            assertThat(unconditional.discriminator.judge(randn(B, 3, 64, 64), null, false, null).patchLogits().shape())
                    .containsExactly(B, 64);
        }
    }

    @Test
    void featureHeadsJudgeTheFrozenEncodersFeaturesWithTheCaption() {
        int width = 4;
        GanConfig c = GanFixtures.tiny().featureWeight(1).featureWidth(width).build();
        io.mmfuse.model.ModelConfig mc = io.mmfuse.model.ModelConfig.builder().imageSize(64).cnnWidth(width)
                .commonDim(GanFixtures.TEXT_DIM).build();
        try (GanNetworks nets = GanNetworks.create(c, GanFixtures.CPU);
             io.mmfuse.model.ImageEncoder encoder = new io.mmfuse.model.ImageEncoder(mc);
             PointerScope scope = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            encoder.eval();
            Tensor images = randn(B, 3, 64, 64).tanh();
            Tensor[] features = encoder.features(images);
            assertThat(features[1].shape()).containsExactly(B, 2L * width, 16, 16);
            assertThat(features[3].shape()).containsExactly(B, 8L * width, 4, 4);
            Discriminator.Judgement j = nets.discriminator.judge(images, text(1), false, features);
            assertThat(j.featureLogits()).hasSize(FeatureHeads.BLOCKS.length);
            Tensor[] other = nets.discriminator.judge(images, text(2), false, features).featureLogits();
            for (int h = 0; h < j.featureLogits().length; h++) {
                assertThat(j.featureLogits()[h].shape()).containsExactly(B);
                float[] a = Tensors.toHeap(j.featureLogits()[h]);
                float[] b = Tensors.toHeap(other[h]);
                assertThat(a).as("head %d sees the caption", h).isNotEqualTo(b);
            }
            assertThat(nets.discriminator.judge(images, text(1), false, null).featureLogits()).isNull();
        }
        try (GanNetworks plain = GanNetworks.create(GanFixtures.tiny().build(), GanFixtures.CPU);
             io.mmfuse.model.ImageEncoder encoder = new io.mmfuse.model.ImageEncoder(mc);
             PointerScope scope = new PointerScope()) {
            Tensor images = randn(B, 3, 64, 64);
            assertThatThrownBy(() -> plain.discriminator.judge(images, text(1), false, encoder.features(images)))
                    .isInstanceOf(IllegalStateException.class);
        }
        assertThatThrownBy(() -> GanNetworks.create(GanFixtures.tiny().featureWeight(1).build(), GanFixtures.CPU))
                .isInstanceOf(io.mmfuse.InvalidInputException.class).hasMessageStartingWith("featureWidth");
    }

    @Test
    void theSamplerNeverReturnsNonFiniteImages() {
        GanConfig c = GanFixtures.tiny().build();
        try (GanNetworks nets = GanNetworks.create(c, GanFixtures.CPU)) {
            float[] text = GanFixtures.unitRows(2, c.textDim(), 3);
            assertThat(Sampler.sample(nets.generator, nets.device, text, 2, 2, 1L, 1f)).hasSize(4 * 3 * 64 * 64);
            try (PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
                nets.generator.named_parameters().get("up3.bias").fill_(new org.bytedeco.pytorch.Scalar(Float.NaN));
            }
            assertThatThrownBy(() -> Sampler.sample(nets.generator, nets.device, text, 2, 2, 1L, 1f))
                    .isInstanceOf(MmfuseException.class).hasMessageContaining("NaN");
        }
    }

    @ParameterizedTest
    @EnumSource(GanConfig.DiscriminatorMode.class)
    void onlyTheMatchingAwareDiscriminatorListensToTheCaption(GanConfig.DiscriminatorMode mode) {
        GanConfig c = GanFixtures.tiny().discriminator(mode).build();
        try (GanNetworks nets = GanNetworks.create(c, GanFixtures.CPU);
             PointerScope scope = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            nets.discriminator.eval();
            Tensor images = randn(B, 3, 64, 64).tanh();
            float[] a = Tensors.toHeap(nets.discriminator.forward(images, text(1)));
            float[] b = Tensors.toHeap(nets.discriminator.forward(images, text(2)));
            assertThat(a).hasSize(B);
            if (mode == GanConfig.DiscriminatorMode.MATCHING_AWARE) {
                for (int i = 0; i < B; i++) {
                    assertThat(a[i]).as("logit %d", i).isNotCloseTo(b[i], offset(1e-6f));
                }
            } else {
                assertThat(a).containsExactly(b);
            }
        }
    }

    @Test
    void spectralNormKeepsTheLargestSingularValueAtOne() {
        try (SpectralNormConv2d conv = new SpectralNormConv2d(8, 16, 4, 2, 1, true);
             PointerScope scope = new PointerScope()) {
            conv.train(true);
            Tensor x = randn(2, 8, 16, 16);
            // scale the raw weight far from 1 first: the effective weight must not care
            try (NoGradGuard g = new NoGradGuard()) {
                conv.parameters().get(0).mul_(new org.bytedeco.pytorch.Scalar(37.0));
            }
            for (int i = 0; i < 30; i++) {
                conv.forward(x);
            }
            float[] w = Tensors.toHeap(conv.effectiveWeight(false));
            assertThat(largestSingularValue(w, 16, 8 * 4 * 4)).isCloseTo(1.0, offset(0.02));
        }
    }

    @Test
    void withoutSpectralNormTheWeightIsUsedAsIs() {
        try (SpectralNormLinear lin = new SpectralNormLinear(10, 6, false); PointerScope scope = new PointerScope()) {
            float[] raw = Tensors.toHeap(lin.parameters().get(0));
            assertThat(Tensors.toHeap(lin.effectiveWeight(true))).containsExactly(raw);
            assertThat(largestSingularValue(raw, 6, 10)).isLessThan(0.5); // N(0, 0.02) init
        }
    }

    /** sqrt of the top eigenvalue of W^T W by 500 power iterations in double precision. */
    static double largestSingularValue(float[] w, int rows, int cols) {
        double[] v = new double[cols];
        java.util.Arrays.fill(v, 1.0 / Math.sqrt(cols));
        double sigma = 0;
        for (int it = 0; it < 500; it++) {
            double[] u = new double[rows];
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < cols; k++) {
                    u[r] += w[r * cols + k] * v[k];
                }
            }
            double[] nv = new double[cols];
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < cols; k++) {
                    nv[k] += w[r * cols + k] * u[r];
                }
            }
            double n = 0;
            for (double d : nv) {
                n += d * d;
            }
            n = Math.sqrt(n);
            for (int k = 0; k < cols; k++) {
                v[k] = nv[k] / n;
            }
            sigma = Math.sqrt(n);
        }
        return sigma;
    }
}
