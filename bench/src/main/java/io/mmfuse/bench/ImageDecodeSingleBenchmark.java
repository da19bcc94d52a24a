package io.mmfuse.bench;

import io.mmfuse.image.ImageDecoder;
import io.mmfuse.image.ImageOptions;
import io.mmfuse.image.ImageSource;
import java.io.IOException;
import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One JPEG (224x224 Flickr8k, in memory) to the model's normalised 3x64x64 float CHW input per
 * operation, on the calling thread, cycling through 256 images. images/s = 1000 / (ms/op).
 *
 * <p>Checked: every output value is finite and within the normalised range [-1, 1] of the default
 * options; the first images are written for report.py to compare with OpenCV-Python's output.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class ImageDecodeSingleBenchmark {
    static final int COMPARED_IMAGES = 8;

    private ImageDecoder decoder;
    private List<ImageSource> sources;
    private int next;
    private float[] last;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        // One OpenCV thread per decode: parallelism comes from decoding several images at once
        // (see the batch benchmark), the same rule the anchors follow.
        opencv_core.setNumThreads(1);
        decoder = new ImageDecoder(ImageOptions.defaults());
        sources = BenchImages.load(BenchEnv.imageDir(), BenchImages.COUNT);
    }

    @Benchmark
    public float[] decodeOne() {
        float[] out = decoder.decode(sources.get(next));
        next = (next + 1) % sources.size();
        last = out;
        return out;
    }

    @TearDown(Level.Iteration)
    public void check() {
        if (last == null) {
            return;
        }
        for (float v : last) {
            if (!(v >= -1.0001f && v <= 1.0001f)) {
                throw new IllegalStateException("decoded value " + v + " outside the normalised range [-1, 1]");
            }
        }
    }

    @TearDown(Level.Trial)
    public void writeSamples() throws IOException {
        if (BenchEnv.outDir().isEmpty()) {
            return;
        }
        Path out = BenchEnv.outDir().get().resolve("images-mmfuse.npy");
        int per = decoder.options().floatsPerImage();
        NpyFile.write(out, COMPARED_IMAGES, per, (r, row) -> System.arraycopy(decoder.decode(sources.get(r)), 0, row, 0, per));
    }
}
