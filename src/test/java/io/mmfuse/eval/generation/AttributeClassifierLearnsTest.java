package io.mmfuse.eval.generation;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmfuse.data.SyntheticShapes;
import io.mmfuse.model.DeviceChoice;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Trained briefly on 600 real synthetic images, the classifier reads unseen real images far above
 * chance (colour 1/7, shape 1/4, count 1/2). About 30 s on 2 shared cores, hence slow.
 */
@Tag("slow")
class AttributeClassifierLearnsTest {
    @Test
    void readsUnseenRealImagesWellAboveChance() {
        SyntheticShapes.Config shapes = SyntheticShapes.Config.defaults().withSeed(21).withSplitSizes(600, 0, 300);
        ClassifierTrainConfig train = ClassifierTrainConfig.builder().epochs(20).threads(2).build();
        try (AttributeClassifierTrainer.Trained t = AttributeClassifierTrainer.trainOnSynthetic(shapes,
                AttributeClassifierConfig.defaults(), train, DeviceChoice.cpu("test"), ClassifierProgress.NONE)) {
            AttributeAccuracy.Report r = t.testAccuracy();
            System.out.println(t.training());
            System.out.println(AttributeAccuracy.Report.markdownHeader());
            System.out.println(r.markdownRows("real test images"));

            assertThat(t.training().epochs()).isEqualTo(20);
            assertThat(r.all().images()).isEqualTo(300);
            assertThat(r.all().colour().accuracy()).isGreaterThan(0.8);
            assertThat(r.all().count().accuracy()).isGreaterThan(0.9);
            assertThat(r.all().shape().accuracy()).isGreaterThan(0.45);
        }
    }
}
