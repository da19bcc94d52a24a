package io.mmfuse.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The bench writes its JSON by hand (the device carry has no Jackson): it must stay parseable. */
class GpuKnnBenchJsonTest {

    @Test
    void quotedStringsSurviveAStrictParser() throws Exception {
        String nasty = "NVIDIA H100\u0000\u0001 \"q\" \\ tab\t nl\n \u2028 \u00e9";
        String json = "{\"s\": " + GpuKnnBench.quote(nasty) + ", \"x\": " + GpuKnnBench.number(Double.NaN, 3)
                + ", \"y\": " + GpuKnnBench.number(1.5, 3) + "}";
        var tree = new ObjectMapper().readTree(json);
        assertThat(tree.get("s").asText()).isEqualTo(nasty);
        assertThat(tree.get("x").isNull()).isTrue();
        assertThat(tree.get("y").asDouble()).isEqualTo(1.5);
    }
}
