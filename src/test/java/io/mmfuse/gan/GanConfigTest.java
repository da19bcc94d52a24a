package io.mmfuse.gan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmfuse.InvalidInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.params.ParameterizedTest;

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
        assertRejected(() -> GanConfig.builder().matchingWeight(1).matchingShift(-1).build(), "matchingShift");
        assertRejected(() -> GanConfig.builder().matchingWeight(1).matchingShift(GanConfig.MAX_MATCHING_SHIFT + 1).build(),
                "matchingShift");
        assertRejected(() -> GanConfig.builder().matchingShift(2).build(), "matchingShift");
        assertRejected(() -> GanConfig.builder().discriminatorShift(-1).build(), "discriminatorShift");
        assertRejected(() -> GanConfig.builder().discriminatorShift(GanConfig.MAX_MATCHING_SHIFT + 1).build(),
                "discriminatorShift");
        assertRejected(() -> GanConfig.builder().wordWeight(-1).build(), "wordWeight");
        assertRejected(() -> GanConfig.builder().featureWeight(-1).build(), "featureWeight");
        assertRejected(() -> GanConfig.builder().patchWeight(Double.NaN).build(), "patchWeight");
        assertRejected(() -> GanConfig.builder().featureWidth(8).build(), "featureWidth");
        assertRejected(() -> GanConfig.builder().featureWeight(1).discriminator(GanConfig.DiscriminatorMode.UNCONDITIONAL).build(),
                "featureWeight");
        assertRejected(() -> GanConfig.builder().wordClasses(5).build(), "wordClasses");
        assertRejected(() -> GanConfig.builder().wordWeight(1).wordClasses(-1).build(), "wordClasses");
        assertRejected(() -> GanConfig.builder().lrD(0).build(), "lrD");
        assertRejected(() -> GanConfig.builder().klWeight(Double.NaN).build(), "klWeight");
        assertRejected(() -> GanConfig.builder().beta2(1.0).build(), "beta2");
        assertRejected(() -> GanConfig.builder().loss(null).build(), "loss");
        assertRejected(() -> GanConfig.builder().genWidth(0).build(), "genWidth");
        assertRejected(() -> GanConfig.builder().orderNegativeRate(1.5).build(), "orderNegativeRate");
        assertRejected(() -> GanConfig.builder().orderNegativeRate(0.5)
                .discriminator(GanConfig.DiscriminatorMode.UNCONDITIONAL).build(), "orderNegativeRate");
    }

    /** Fields added after the first checkpoints: a config.json without one loads with the field off. */
    @ParameterizedTest
    @ValueSource(strings = {"orderNegativeRate", "generatorConditioning", "generatorUpsampling", "objectNegatives",
            "matchingShift", "discriminatorShift", "wordWeight", "wordClasses", "featureWeight", "featureWidth",
            "patchWeight"})
    void configsWrittenBeforeAFieldExistedLoadWithItOff(String field) throws Exception {
        ObjectMapper json = new ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode node = json.valueToTree(GanConfig.defaults());
        assertThat(node.remove(field)).as(field).isNotNull();
        GanConfig read = json.treeToValue(node, GanConfig.class);
        assertThat(read).isEqualTo(GanConfig.defaults());
        assertThat(read.generatorConditioning()).isEqualTo(GanConfig.GeneratorConditioning.INPUT);
        assertThat(read.generatorUpsampling()).isEqualTo(GanConfig.GeneratorUpsampling.TRANSPOSED);
    }

    @Test
    void theNewerArchitectureFieldsSurviveJsonAndChangeTheArchitecture() throws Exception {
        ObjectMapper json = new ObjectMapper();
        GanConfig resize = GanConfig.builder().generatorUpsampling(GanConfig.GeneratorUpsampling.RESIZE_CONV).build();
        GanConfig words = GanConfig.builder().wordWeight(0.5).wordClasses(40).build();
        GanConfig shifted = GanConfig.builder().matchingWeight(1).matchingShift(4).build();
        GanConfig augmented = GanConfig.builder().discriminatorShift(4).build();
        GanConfig featureHeads = GanConfig.builder().featureWeight(0.5).featureWidth(32).build();
        GanConfig patches = GanConfig.builder().patchWeight(0.5).build();
        for (GanConfig c : new GanConfig[] {resize, words, shifted, augmented, featureHeads, patches}) {
            assertThat(json.readValue(json.writeValueAsBytes(c), GanConfig.class)).isEqualTo(c);
        }
        assertThat(resize.sameArchitecture(GanConfig.defaults())).as("different generator layers").isFalse();
        assertThat(words.sameArchitecture(GanConfig.defaults())).as("D has one more head").isFalse();
        assertThat(shifted.sameArchitecture(GanConfig.defaults())).as("a loss setting only").isTrue();
        assertThat(augmented.sameArchitecture(GanConfig.defaults())).as("an augmentation only").isTrue();
        assertThat(featureHeads.sameArchitecture(GanConfig.defaults())).as("D has the feature heads").isFalse();
        assertThat(patches.sameArchitecture(GanConfig.defaults())).as("D has the patch head").isFalse();
        assertThat(patches.sameArchitecture(GanConfig.builder().patchWeight(2).build())).as("a weight only").isTrue();
    }

    @Test
    void objectNegativesNeedHardNegativesInUse() {
        assertRejected(() -> GanConfig.builder().objectNegatives(true).build(), "objectNegatives");
        assertThat(GanConfig.builder().orderNegativeRate(0.5).objectNegatives(true).build().objectNegatives()).isTrue();
    }

    @Test
    void theConfigSurvivesJson() throws Exception {
        GanConfig c = GanConfig.builder().discriminator(GanConfig.DiscriminatorMode.UNCONDITIONAL)
                .generatorConditioning(GanConfig.GeneratorConditioning.PER_BLOCK)
                .generatorUpsampling(GanConfig.GeneratorUpsampling.RESIZE_CONV)
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
        assertRejected(() -> new GanTrainingData(images, 2, text, owners, text, null, null), "hardNegatives");
        assertRejected(() -> new GanTrainingData(images, 2, text, owners, new float[4], new boolean[3], null), "hardNegatives");
    }

    @Test
    void orderNegativesReplaceMismatchesAtTheConfiguredRate() {
        float[] images = new float[4 * GanTrainingData.IMAGE_FLOATS];
        float[] text = GanFixtures.unitRows(4, 4, 1);
        float[] negatives = GanFixtures.unitRows(4, 4, 2);
        boolean[] has = {true, false, true, true};
        GanTrainingData data = new GanTrainingData(images, 4, text, new int[] {0, 1, 2, 3}, negatives, has, null);
        assertThat(data.hardNegativeCount()).isEqualTo(3);

        CaptionBatches.Batch always = new CaptionBatches(data, 4, new java.util.Random(1), 1.0).next();
        for (int i = 0; i < 4; i++) {
            int c = always.captions()[i];
            assertThat(always.wrongIsHardNegative()[i]).isEqualTo(has[c]);
            if (has[c]) {
                assertThat(always.wrongCaptions()[i]).isEqualTo(c);
            } else {
                assertThat(always.wrongCaptions()[i]).isNotEqualTo(c);
            }
        }
        float[] rows = data.mismatchedEmbeddings(always.wrongCaptions(), always.wrongIsHardNegative());
        for (int i = 0; i < 4; i++) {
            float[] source = always.wrongIsHardNegative()[i] ? negatives : text;
            assertThat(java.util.Arrays.copyOfRange(rows, i * 4, i * 4 + 4))
                    .containsExactly(java.util.Arrays.copyOfRange(source, always.wrongCaptions()[i] * 4,
                            always.wrongCaptions()[i] * 4 + 4));
        }
        CaptionBatches.Batch never = new CaptionBatches(data, 4, new java.util.Random(1), 0.0).next();
        assertThat(never.wrongIsHardNegative()).containsOnly(false);
        int sum = 0;
        CaptionBatches half = new CaptionBatches(data, 4, new java.util.Random(3), 0.5);
        for (int k = 0; k < 200; k++) {
            for (boolean b : half.next().wrongIsHardNegative()) {
                sum += b ? 1 : 0;
            }
        }
        assertThat(sum).as("about half of the 600 eligible rows").isBetween(240, 360);
    }

    private static void assertRejected(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String input) {
        assertThatThrownBy(call).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e.input()).isEqualTo(input));
    }
}
