package io.mmfuse.bench;

import io.mmfuse.image.DecodedBatch;
import io.mmfuse.image.ImageDecoder;
import io.mmfuse.image.ImageOptions;
import io.mmfuse.image.ImageSource;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.opencv.global.opencv_core;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link ImageDecoder#decodeAll} of 256 in-memory Flickr8k JPEGs on {@code threads} worker threads
 * to 3x64x64 CHW floats. images/s = 256 * 1000 / (ms/op). Checked: every image decodes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class ImageDecodeBatchBenchmark {
    @Param({"1", "2"})
    public int threads;

    private ImageDecoder decoder;
    private List<ImageSource> sources;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        opencv_core.setNumThreads(1);
        decoder = new ImageDecoder(ImageOptions.defaults());
        sources = BenchImages.load(BenchEnv.imageDir(), BenchImages.COUNT);
    }

    @Benchmark
    public DecodedBatch decodeBatch() {
        DecodedBatch batch = decoder.decodeAll(sources, threads);
        if (batch.count() != sources.size()) {
            throw new IllegalStateException(batch.failures().size() + " of " + sources.size()
                    + " images failed, first: " + batch.failures().get(0).message());
        }
        return batch;
    }
}
