package io.mmfuse.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.MultimodalAutoencoder;
import io.mmfuse.search.FloatMatrix;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class EmbedderTest {
    private static final DeviceChoice CPU = DeviceChoice.cpu("test");
    private static final TrainingData DATA = SyntheticData.make(20, 3, 32, 8);

    @Test
    void concurrentCallersGetIdenticalResults() throws Exception {
        ModelConfig mc = SyntheticData.tinyModel().build();
        try (MultimodalAutoencoder m = MultimodalAutoencoder.create(mc, CPU, 4);
             Embedder e = Embedder.withBatchSize(m, 7)) { // several batches per call
            FloatMatrix refImages = e.embedImages(DATA.images(), DATA.imageCount());
            FloatMatrix refTexts = e.embedTexts(DATA.captionTokens());
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<FloatMatrix[]>> results = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    results.add(pool.submit(() -> {
                        start.await();
                        FloatMatrix[] out = new FloatMatrix[2];
                        for (int rep = 0; rep < 5; rep++) {
                            out[0] = e.embedImages(DATA.images(), DATA.imageCount());
                            out[1] = e.embedTexts(DATA.captionTokens());
                        }
                        return out;
                    }));
                }
                for (Future<FloatMatrix[]> f : results) {
                    FloatMatrix[] out = f.get();
                    assertThat(out[0].data()).containsExactly(refImages.data());
                    assertThat(out[1].data()).containsExactly(refTexts.data());
                }
            } finally {
                pool.shutdownNow();
            }
            TrainerTest.assertUnitRows(refImages);
            TrainerTest.assertUnitRows(refTexts);
            assertThat(refImages.cols()).isEqualTo(e.dimension()).isEqualTo(32);
        }
    }

    @Test
    void batchSizeDoesNotChangeTheResult() {
        ModelConfig mc = SyntheticData.tinyModel().build();
        try (MultimodalAutoencoder m = MultimodalAutoencoder.create(mc, CPU, 4)) {
            float[] one = Embedder.withBatchSize(m, 1).embedTexts(DATA.captionTokens()).data();
            float[] all = Embedder.withBatchSize(m, 1000).embedTexts(DATA.captionTokens()).data();
            assertThat(all).containsExactly(one, org.assertj.core.data.Offset.offset(1e-6f));
        }
    }

    @Test
    void rejectsBadInputAndUseAfterClose() {
        ModelConfig mc = SyntheticData.tinyModel().build();
        try (MultimodalAutoencoder m = MultimodalAutoencoder.create(mc, CPU, 4)) {
            Embedder e = new Embedder(m);
            assertThatThrownBy(() -> e.embedImages(new float[10], 1))
                    .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("images");
            assertThatThrownBy(() -> e.embedTexts(new int[][] {{1, 2}, {-3}}))
                    .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("tokens[1][0]");
            assertThatThrownBy(() -> e.embedTexts(new int[0][]))
                    .isInstanceOf(InvalidInputException.class);
            FloatMatrix empty = e.embedTexts(new int[][] {{}});  // an empty caption still embeds
            assertThat(empty.rows()).isEqualTo(1);
            e.close();
            e.close();
            assertThatThrownBy(() -> e.embedTexts(new int[][] {{1}})).isInstanceOf(IllegalStateException.class);
        }
    }
}
