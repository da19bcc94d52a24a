package io.mmfuse.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {
    @Test
    void cosineRunsFromTheStartRateToOnePercentByEpochs() {
        Trainer t = new Trainer(TrainConfig.builder().epochs(4).learningRate(1e-3).build(), ProgressSink.NONE);
        assertThat(t.scheduledRate(1, 0, 10, 0)).isCloseTo(1e-3, offset(1e-12));
        assertThat(t.scheduledRate(3, 0, 10, 0)).isCloseTo(1e-3 * (0.01 + 0.99 * 0.5), offset(1e-12));
        assertThat(t.scheduledRate(4, 10, 10, 0)).isCloseTo(1e-5, offset(1e-12));
        assertThat(t.scheduledRate(2, 5, 10, 0)).isLessThan(t.scheduledRate(2, 4, 10, 0));
    }

    @Test
    void theRateReachesEveryParameterGroupOfTheOptimizer() {
        try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
            var params = new org.bytedeco.pytorch.TensorVector(org.bytedeco.pytorch.global.torch.zeros(2));
            var adam = new org.bytedeco.pytorch.AdamW(params, new org.bytedeco.pytorch.AdamWOptions(1e-3));
            adam.add_param_group(new org.bytedeco.pytorch.OptimizerParamGroup(
                    new org.bytedeco.pytorch.TensorVector(org.bytedeco.pytorch.global.torch.zeros(3)),
                    new org.bytedeco.pytorch.AdamWOptions(1e-3)));
            Trainer.setLearningRate(adam, 2.5e-4);
            var groups = adam.param_groups();
            assertThat(groups.size()).isEqualTo(2);
            for (long g = 0; g < groups.size(); g++) {
                assertThat(groups.get(g).options().get_lr()).isEqualTo(2.5e-4);
            }
        }
    }

    @Test
    void theTimeBudgetDrivesTheScheduleWhenItEndsFirst() {
        Trainer t = new Trainer(TrainConfig.builder().epochs(100).learningRate(1e-3)
                .timeBudget(Duration.ofSeconds(100)).build(), ProgressSink.NONE);
        double halfway = t.scheduledRate(1, 0, 10, Duration.ofSeconds(50).toNanos());
        assertThat(halfway).isCloseTo(1e-3 * (0.01 + 0.99 * 0.5), offset(1e-12));
        assertThat(t.scheduledRate(1, 0, 10, Duration.ofSeconds(200).toNanos())).isCloseTo(1e-5, offset(1e-12));
    }
}
