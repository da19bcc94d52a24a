package io.mmfuse.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.MultimodalAutoencoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Trains for several epochs (with validation, best-epoch snapshots and reconstruction, so every
 * native path of the trainer runs) and checks that the resident set stops growing after warm-up:
 * a leak of one batch's tensors per step would add tens of MB per epoch. Also runnable as a main:
 * {@code java -cp target/classes:target/test-classes:$(cat cp.txt) io.mmfuse.train.NativeMemoryStabilityTest [epochs]}
 */
@Tag("slow")
class NativeMemoryStabilityTest {
    private static final long SLACK_BYTES = 24L << 20;

    @Test
    void residentMemoryIsFlatAfterWarmUp() {
        List<long[]> samples = run(8);
        long warm = samples.get(1)[0]; // after epoch 2
        long last = samples.get(samples.size() - 1)[0];
        assertThat(last).as("VmRSS after the last epoch vs after epoch 2 (%d bytes)", warm)
                .isLessThanOrEqualTo((long) (warm * 1.05) + SLACK_BYTES);
    }

    /** Returns {VmRSS, Pointer.physicalBytes} after each epoch. */
    static List<long[]> run(int epochs) {
        ModelConfig mc = ModelConfig.builder().imageSize(64).cnnWidth(16).commonDim(128).tokenDim(128).hiddenDim(256)
                .vocabSize(2000).reconstructionWeight(0.5).build();
        TrainingData train = TrainingThroughputBench.randomData(256, 4, 64, 2000, 1);
        TrainingData val = TrainingThroughputBench.randomData(64, 4, 64, 2000, 2);
        List<long[]> samples = new ArrayList<>();
        ProgressSink sampler = new ProgressSink() {
            @Override
            public void epochStarted(int epoch, int total, int steps) {
            }

            @Override
            public void step(Step step) {
            }

            @Override
            public void epochFinished(EpochStats stats) {
                long rss = vmRssBytes();
                long physical = Pointer.physicalBytes();
                samples.add(new long[] {rss, physical});
                System.out.printf(Locale.ROOT, "epoch %d: VmRSS %.1f MB, Pointer.physicalBytes %.1f MB, %.0f ex/s%n",
                        stats.epoch(), rss / 1048576.0, physical / 1048576.0, stats.examplesPerSecond());
            }
        };
        TrainConfig tc = TrainConfig.builder().epochs(epochs).batchSize(64).threads(2).build();
        try (MultimodalAutoencoder model = MultimodalAutoencoder.create(mc, DeviceChoice.cpu("rss check"), 1)) {
            new Trainer(tc, sampler).train(model, train, val);
        }
        return samples;
    }

    static long vmRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/status", e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    public static void main(String[] args) {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        List<long[]> s = run(epochs);
        long warm = s.get(1)[0];
        long last = s.get(s.size() - 1)[0];
        System.out.printf(Locale.ROOT, "growth after warm-up: %+.1f MB (%+.1f %%)%n", (last - warm) / 1048576.0,
                100.0 * (last - warm) / warm);
    }
}
