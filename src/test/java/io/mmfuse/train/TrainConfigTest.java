package io.mmfuse.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import org.junit.jupiter.api.Test;

class TrainConfigTest {
    @Test
    void degradeRateIsOffByDefaultAndMustBeAShare() {
        assertThat(TrainConfig.defaults().degradeRate()).isZero();
        assertThat(TrainConfig.builder().degradeRate(0.5).build().degradeRate()).isEqualTo(0.5);
        for (double bad : new double[] {-0.1, 1.5, Double.NaN}) {
            assertThatThrownBy(() -> TrainConfig.builder().degradeRate(bad).build())
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("degradeRate");
        }
    }
}
