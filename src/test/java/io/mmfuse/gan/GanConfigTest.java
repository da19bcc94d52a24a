package io.mmfuse.gan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmfuse.InvalidInputException;
import org.junit.jupiter.api.Test;

class GanConfigTest {
    @Test
    void defaultsAreTheDocumentedOnes() {
        GanConfig c = GanConfig.defaults();
        assertThat(c.noiseDim()).isEqualTo(100);
        assertThat(c.textDim()).isEqualTo(256);
        assertThat(c.condDim()).isEqualTo(128);
        assertThat(c.genWidth()).isEqualTo(64);
        assertThat(c.discWidth()).isEqualTo(64);
        assertThat(c.imageSize()).isEqualTo(64);
        assertThat(c.discriminator()).isEqualTo(GanConfig.DiscriminatorMode.MATCHING_AWARE);
        assertThat(c.spectralNorm()).isTrue();
        assertThat(c.loss()).isEqualTo(GanConfig.Loss.HINGE);
        assertThat(c.klWeight()).isEqualTo(1.0);
        assertThat(c.matchingWeight()).isEqualTo(0.0);
        assertThat(c.lrG()).isEqualTo(2e-4);
        assertThat(c.lrD()).isEqualTo(2e-4);
        assertThat(c.beta1()).isEqualTo(0.5);
        assertThat(c.beta2()).isEqualTo(0.999);
        assertThat(c.emaDecay()).isEqualTo(0.999);
        assertThat(c.batchSize()).isEqualTo(64);
        assertThat(c.seed()).isEqualTo(42);
    }

    @Test
    void badValuesAreRejectedByName() {
        assertRejected(() -> GanConfig.builder().imageSize(128).build(), "imageSize");
        assertRejected(() -> GanConfig.builder().batchSize(1).build(), "batchSize");
        assertRejected(() -> GanConfig.builder().emaDecay(1).build(), "emaDecay");
        assertRejected(() -> GanConfig.builder().lrD(0).build(), "lrD");
        assertRejected(() -> GanConfig.builder().klWeight(Double.NaN).build(), "klWeight");
        assertRejected(() -> GanConfig.builder().beta2(1.0).build(), "beta2");
        assertRejected(() -> GanConfig.builder().loss(null).build(), "loss");
        assertRejected(() -> GanConfig.builder().genWidth(0).build(), "genWidth");
    }

    @Test
    void theConfigSurvivesJson() throws Exception {
        GanConfig c = GanConfig.builder().discriminator(GanConfig.DiscriminatorMode.UNCONDITIONAL)
                .loss(GanConfig.Loss.NON_SATURATING).matchingWeight(0.25).seed(-3).build();
        ObjectMapper json = new ObjectMapper();
        assertThat(json.readValue(json.writeValueAsBytes(c), GanConfig.class)).isEqualTo(c);
    }

    @Test
    void trainingDataIsValidatedWithTheFieldNamed() {
        float[] images = new float[2 * GanTrainingData.IMAGE_FLOATS];
        float[] text = GanFixtures.unitRows(3, 4, 1);
        int[] owners = {0, 1, 1};
        GanTrainingData ok = new GanTrainingData(images, 2, text, owners);
        assertThat(ok.textDim()).isEqualTo(4);
        assertThat(ok.captionCount()).isEqualTo(3);

        float[] nan = text.clone();
        nan[5] = Float.NaN;
        assertRejected(() -> new GanTrainingData(images, 2, nan, owners), "captionEmbeddings[1]");
        float[] longRow = text.clone();
        longRow[0] *= 3;
        assertRejected(() -> new GanTrainingData(images, 2, longRow, owners), "captionEmbeddings[0]");
        assertRejected(() -> new GanTrainingData(images, 2, text, new int[] {0, 2, 1}), "captionImage[1]");
        assertRejected(() -> new GanTrainingData(images, 3, text, owners), "images");
        assertRejected(() -> new GanTrainingData(images, 2, java.util.Arrays.copyOf(text, 11), owners), "captionEmbeddings");
        float[] badPixel = images.clone();
        badPixel[GanTrainingData.IMAGE_FLOATS + 7] = Float.POSITIVE_INFINITY;
        assertRejected(() -> new GanTrainingData(badPixel, 2, text, owners), "images[1]");
    }

    private static void assertRejected(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String input) {
        assertThatThrownBy(call).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e.input()).isEqualTo(input));
    }
}
