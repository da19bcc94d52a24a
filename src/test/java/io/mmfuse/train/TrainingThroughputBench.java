package io.mmfuse.train;

import io.mmfuse.model.DeviceChoice;
import io.mmfuse.model.Devices;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.MultimodalAutoencoder;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Random;

/**
 * Training throughput at the anchor's setting (batch 128, 64x64, CNN width 32, BOW text, 2
 * threads) on random data of Flickr8k's shape. Not a test: run by hand, e.g.
 *
 * <pre>
 * mvn -q -o test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt
 * java -cp target/classes:target/test-classes:$(cat cp.txt) io.mmfuse.train.TrainingThroughputBench [threads] [epochs] [images] [objective] [reconWeight] [textEncoder]
 * </pre>
 * Prints examples/s per epoch (epoch 1 includes warm-up) and process CPU seconds per example,
 * which is less sensitive to other load on a shared machine than wall time.
 */
public final class TrainingThroughputBench {
    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int epochs = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int images = args.length > 2 ? Integer.parseInt(args[2]) : 1024;
        ModelConfig.Objective objective = args.length > 3 ? ModelConfig.Objective.valueOf(args[3]) : ModelConfig.Objective.CONTRASTIVE;
        double recon = args.length > 4 ? Double.parseDouble(args[4]) : 0.0;
        ModelConfig.TextEncoderKind text = args.length > 5 ? ModelConfig.TextEncoderKind.valueOf(args[5]) : ModelConfig.TextEncoderKind.BOW;

        ModelConfig mc = ModelConfig.builder().vocabSize(8000).objective(objective).reconstructionWeight(recon)
                .textEncoder(text).build();
        TrainingData data = randomData(images, 5, mc.imageSize(), mc.vocabSize(), 1);
        TrainConfig tc = TrainConfig.builder().epochs(epochs).batchSize(128).threads(threads).build();
        DeviceChoice device = Devices.auto();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try (MultimodalAutoencoder model = MultimodalAutoencoder.create(mc, device, 1)) {
            long cpu0 = os.getProcessCpuTime();
            ProgressSink steps = new ProgressSink() {
                long last = System.nanoTime();

                @Override
                public void epochStarted(int epoch, int epochs, int steps) {
                    last = System.nanoTime();
                }

                @Override
                public void step(Step s) {
                    long now = System.nanoTime();
                    if (System.getenv("BENCH_STEPS") != null) {
                        System.out.printf(Locale.ROOT, "  epoch %d step %d: %.0f ms%n", s.epoch(), s.step(), (now - last) / 1e6);
                    }
                    last = now;
                }

                @Override
                public void epochFinished(EpochStats stats) {
                }
            };
            TrainResult r = new Trainer(tc, steps).train(model, data, null);
            long cpu1 = os.getProcessCpuTime();
            long examples = r.history().stream().mapToLong(EpochStats::examples).sum();
            for (EpochStats e : r.history()) {
                System.out.printf(Locale.ROOT, "epoch %d: %d steps, %.1f ex/s, loss %.4f%n", e.epoch(), e.steps(),
                        e.examplesPerSecond(), e.loss());
            }
            System.out.printf(Locale.ROOT, "OMP_WAIT_POLICY=%s %s on %s, %d threads, params %d: %.2f ms CPU per example (all epochs)%n", System.getenv("OMP_WAIT_POLICY"), mc.textEncoder(),
                    device, threads, model.parameterCount(), (cpu1 - cpu0) / 1e6 / examples);
        }
    }

    static TrainingData randomData(int images, int captionsPerImage, int side, int vocab, long seed) {
        Random r = new Random(seed);
        float[] px = new float[images * 3 * side * side];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) r.nextGaussian();
        }
        int n = images * captionsPerImage;
        int[][] tokens = new int[n][];
        int[] captionImage = new int[n];
        for (int c = 0; c < n; c++) {
            captionImage[c] = c / captionsPerImage;
            tokens[c] = new int[8 + r.nextInt(10)];
            for (int j = 0; j < tokens[c].length; j++) {
                tokens[c][j] = 1 + r.nextInt(vocab - 1);
            }
        }
        return new TrainingData(px, images, side, tokens, captionImage);
    }
}
