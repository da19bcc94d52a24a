package io.mmfuse.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmfuse.InvalidInputException;
import org.junit.jupiter.api.Test;

class ModelConfigTest {
    @Test
    void defaultsMatchTheDesign() {
        ModelConfig c = ModelConfig.defaults();
        assertThat(c.commonDim()).isEqualTo(256);
        assertThat(c.imageSize()).isEqualTo(64);
        assertThat(c.cnnWidth()).isEqualTo(32);
        assertThat(c.maxTokens()).isEqualTo(32);
        assertThat(c.initialTemperature()).isEqualTo(0.07);
        assertThat(c.maxLogitScale()).isEqualTo(100.0);
        assertThat(c.objective()).isEqualTo(ModelConfig.Objective.CONTRASTIVE);
        assertThat(ModelConfig.seedDesign().objective()).isEqualTo(ModelConfig.Objective.SEED);
        assertThat(ModelConfig.seedDesign().reconstructs()).isTrue();
    }

    @Test
    void builderChangesOnlyWhatItIsTold() {
        ModelConfig c = ModelConfig.builder().vocabSize(1234).textEncoder(ModelConfig.TextEncoderKind.TOKENS).build();
        assertThat(c.vocabSize()).isEqualTo(1234);
        assertThat(c.textEncoder()).isEqualTo(ModelConfig.TextEncoderKind.TOKENS);
        assertThat(c.toBuilder().vocabSize(10_000).textEncoder(ModelConfig.TextEncoderKind.BOW).build())
                .isEqualTo(ModelConfig.defaults());
    }

    @Test
    void rejectsBadValuesNamingTheField() {
        assertThatThrownBy(() -> ModelConfig.builder().imageSize(60).build())
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("imageSize");
        assertThatThrownBy(() -> ModelConfig.builder().vocabSize(1).build())
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("vocabSize");
        assertThatThrownBy(() -> ModelConfig.builder().dropout(1.0).build())
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("dropout");
        assertThatThrownBy(() -> ModelConfig.builder().reconstructionWeight(Double.NaN).build())
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("reconstructionWeight");
        assertThatThrownBy(() -> ModelConfig.builder().initialTemperature(0.001).build())
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("initialTemperature");
        assertThatThrownBy(() -> ModelConfig.builder().textEncoder(ModelConfig.TextEncoderKind.TOKENS)
                .tfidfWeighting(true).build())
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("tfidfWeighting");
    }

    @Test
    void jsonRoundTrip() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ModelConfig c = ModelConfig.seedDesign().toBuilder().vocabSize(777).tfidfWeighting(true).build();
        String text = json.writeValueAsString(c);
        assertThat(text).contains("\"objective\":\"SEED\"").doesNotContain("imageFloats");
        assertThat(json.readValue(text, ModelConfig.class)).isEqualTo(c);
    }
}
