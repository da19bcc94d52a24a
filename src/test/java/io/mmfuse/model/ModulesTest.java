package io.mmfuse.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import io.mmfuse.InvalidInputException;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class ModulesTest {
    private static final DeviceChoice CPU = DeviceChoice.cpu("test");

    static ModelConfig tiny(ModelConfig.TextEncoderKind kind) {
        return ModelConfig.builder().imageSize(32).cnnWidth(4).commonDim(24).tokenDim(16).hiddenDim(20)
                .vocabSize(50).maxTokens(6).textEncoder(kind).build();
    }

    private static Tensor images(int b, int side) {
        float[] px = new float[b * 3 * side * side];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) r.nextGaussian();
        }
        return Tensor.create(px, b, 3, side, side);
    }

    private static Tensor tokens() {
        // three captions: normal, with padding, all padding (empty caption)
        return Tensor.create(new long[] {1, 5, 9, 49, 2, 7, 0, 0, 0, 0, 0, 0}, 3, 4);
    }

    @ParameterizedTest
    @EnumSource(ModelConfig.TextEncoderKind.class)
    void everyModuleHasTheDocumentedShapes(ModelConfig.TextEncoderKind kind) {
        ModelConfig c = tiny(kind);
        try (MultimodalAutoencoder m = MultimodalAutoencoder.create(c, CPU, 1);
             PointerScope scope = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            m.eval();
            Tensor x = images(3, 32);
            Tensor t = tokens();
            assertThat(m.imageEncoder().forward(x).shape()).containsExactly(3, 24);
            assertThat(m.textEncoder().forward(t).shape()).containsExactly(3, 24);
            Tensor latent = m.imageEncoder().forward(x);
            assertThat(m.imageDecoder().forward(latent).shape()).containsExactly(3, 3, 32, 32);
            assertThat(m.textDecoder().forward(latent).shape()).containsExactly(3, 50);

            MultimodalAutoencoder.Outputs out = m.forward(x, t, true);
            assertThat(out.reconstructedImages().shape()).containsExactly(3, 3, 32, 32);
            assertThat(out.reconstructedBagOfWords().shape()).containsExactly(3, 50);
            assertUnitRows(out.imageEmbedding());
            assertUnitRows(out.textEmbedding());
            assertThat(m.forward(x, t, false).reconstructedImages()).isNull();
        }
    }

    @ParameterizedTest
    @EnumSource(value = ModelConfig.TextEncoderKind.class, names = {"TOKENS", "DILATED"})
    void convolutionalTowersIgnoreTrailingPaddingButNotOrder(ModelConfig.TextEncoderKind kind) {
        try (MultimodalAutoencoder m = MultimodalAutoencoder.create(tiny(kind), CPU, 1);
             PointerScope scope = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            m.eval();
            float[] a = Tensors.toHeap(m.embedTexts(Tensor.create(new long[] {3, 8, 5, 0, 0, 0}, 1, 6)));
            float[] b = Tensors.toHeap(m.embedTexts(Tensor.create(new long[] {3, 8, 5}, 1, 3)));
            float[] reordered = Tensors.toHeap(m.embedTexts(Tensor.create(new long[] {5, 8, 3}, 1, 3)));
            assertThat(a).containsExactly(b, offset(1e-5f));
            assertThat(reordered).isNotEqualTo(b);
        }
    }

    @Test
    void bagOfWordsIgnoresPaddingAndOrder() {
        try (MultimodalAutoencoder m = MultimodalAutoencoder.create(tiny(ModelConfig.TextEncoderKind.BOW), CPU, 1);
             PointerScope scope = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            m.eval();
            float[] a = Tensors.toHeap(m.embedTexts(Tensor.create(new long[] {3, 8, 0, 0}, 1, 4)));
            float[] b = Tensors.toHeap(m.embedTexts(Tensor.create(new long[] {8, 3}, 1, 2)));
            assertThat(a).containsExactly(b, offset(1e-6f));
        }
    }

    @Test
    void tfidfWeightsChangeTheBagAndAreValidated() {
        ModelConfig c = tiny(ModelConfig.TextEncoderKind.BOW).toBuilder().tfidfWeighting(true).build();
        try (MultimodalAutoencoder m = MultimodalAutoencoder.create(c, CPU, 1);
             PointerScope scope = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            m.eval();
            Tensor t = Tensor.create(new long[] {3, 8}, 1, 2);
            float[] uniform = Tensors.toHeap(m.embedTexts(t));
            float[] idf = new float[50];
            java.util.Arrays.fill(idf, 1f);
            idf[3] = 5f;
            m.setIdf(idf);
            float[] weighted = Tensors.toHeap(m.embedTexts(t));
            assertThat(weighted).isNotEqualTo(uniform);
            assertThatThrownBy(() -> m.setIdf(new float[3])).isInstanceOf(InvalidInputException.class);
        }
        try (MultimodalAutoencoder plain = MultimodalAutoencoder.create(tiny(ModelConfig.TextEncoderKind.BOW), CPU, 1)) {
            assertThatThrownBy(() -> plain.setIdf(new float[50])).isInstanceOf(InvalidInputException.class);
        }
    }

    @Test
    void sameSeedSameWeights() {
        ModelConfig c = tiny(ModelConfig.TextEncoderKind.TOKENS);
        try (MultimodalAutoencoder a = MultimodalAutoencoder.create(c, CPU, 9);
             MultimodalAutoencoder b = MultimodalAutoencoder.create(c, CPU, 9);
             PointerScope scope = new PointerScope();
             NoGradGuard g = new NoGradGuard()) {
            a.eval();
            b.eval();
            Tensor t = tokens();
            assertThat(Tensors.toHeap(a.embedTexts(t))).containsExactly(Tensors.toHeap(b.embedTexts(t)));
            assertThat(a.parameterCount()).isEqualTo(b.parameterCount()).isPositive();
        }
    }

    @Test
    void logitScaleStartsAtOneOverTemperature() {
        try (MultimodalAutoencoder m = MultimodalAutoencoder.create(tiny(ModelConfig.TextEncoderKind.BOW), CPU, 1);
             PointerScope scope = new PointerScope()) {
            assertThat(m.logitScale().item_float()).isCloseTo((float) (1 / 0.07), offset(1e-3f));
        }
    }

    @Test
    void modelSurvivesTheCallersPointerScope() {
        MultimodalAutoencoder m;
        try (PointerScope outer = new PointerScope()) {
            m = MultimodalAutoencoder.create(tiny(ModelConfig.TextEncoderKind.BOW), CPU, 1);
        }
        try (m; PointerScope scope = new PointerScope(); NoGradGuard g = new NoGradGuard()) {
            m.eval();
            assertThat(m.embedTexts(tokens()).shape()).containsExactly(3, 24);
        }
    }

    static void assertUnitRows(Tensor t) {
        float[] v = Tensors.toHeap(t);
        int cols = (int) t.size(1);
        for (int r = 0; r < v.length / cols; r++) {
            double s = 0;
            for (int j = 0; j < cols; j++) {
                s += v[r * cols + j] * v[r * cols + j];
            }
            assertThat(Math.sqrt(s)).isCloseTo(1.0, offset(1e-5));
        }
    }
}
