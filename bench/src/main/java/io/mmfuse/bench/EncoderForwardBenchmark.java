package io.mmfuse.bench;

import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.MultimodalAutoencoder;
import io.mmfuse.search.FloatMatrix;
import io.mmfuse.train.Embedder;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Inference through {@link Embedder} (heap arrays in, unit-norm embeddings out, eval mode, no
 * autograd) with the default model (64x64 CNN width 32, BOW text tower, 256-d), for a batch of
 * images or captions. items/s = batch * 1000 / (ms/op). Checked: every row has unit L2 norm.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class EncoderForwardBenchmark {
    @Param({"1", "64"})
    public int batch;

    @Param({"2"})
    public int threads;

    private MultimodalAutoencoder model;
    private Embedder embedder;
    private float[] images;
    private int[][] tokens;
    private FloatMatrix last;

    @Setup(Level.Trial)
    public void setUp() {
        BenchEnv.configureNativeThreads(threads);
        ModelConfig config = BenchModels.config("contrastive");
        model = BenchModels.model(config);
        embedder = Embedder.withBatchSize(model, Math.max(batch, 1));
        images = BenchModels.images(batch, config.imageSize());
        tokens = BenchModels.tokens(batch);
    }

    @Benchmark
    public FloatMatrix image() {
        last = embedder.embedImages(images, batch);
        return last;
    }

    @Benchmark
    public FloatMatrix text() {
        last = embedder.embedTexts(tokens);
        return last;
    }

    @TearDown(Level.Iteration)
    public void check() {
        if (last == null) {
            return;
        }
        if (last.rows() != batch) {
            throw new IllegalStateException("expected " + batch + " embeddings, got " + last.rows());
        }
        for (int r = 0; r < last.rows(); r++) {
            double sq = 0;
            for (float v : last.row(r)) {
                sq += v * v;
            }
            if (Math.abs(sq - 1) > 1e-3) {
                throw new IllegalStateException("embedding " + r + " has squared norm " + sq + ", expected 1");
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        embedder.close();
        model.close();
    }
}
