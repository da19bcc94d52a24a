package io.mmfuse.bench;

import io.mmfuse.image.ImageDecoder;
import io.mmfuse.image.ImageSource;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.MultimodalAutoencoder;
import io.mmfuse.search.CpuKnn;
import io.mmfuse.train.Embedder;
import io.mmfuse.search.FloatMatrix;
import io.mmfuse.search.TopK;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.bytedeco.javacpp.Loader;

/**
 * Start-up cost of the native Java stack: milliseconds from process launch to the first result.
 * run.sh sets {@code BENCH_T0_NS} (epoch nanoseconds) just before starting the JVM, and runs this
 * once with an empty JavaCPP cache ({@code -Dorg.bytedeco.javacpp.cachedir=<new dir>}: natives are
 * extracted from the jars first) and once with the normal, warm cache.
 *
 * <p>Modes: {@code embed} = first image embedding from a freshly built default model (LibTorch;
 * a random initialisation instead of a checkpoint, so file loading is not included);
 * {@code search} = first exact kNN result over 1,000 random 256-d vectors (LibTorch);
 * {@code decode} = first JPEG decoded to model input (OpenCV). Prints one JSON line.
 *
 * <p>{@code --preextract} first unpacks LibTorch's whole native folder into the JavaCPP cache. With an
 * empty cache JavaCPP loads libtorch.so before it has extracted libtorch_cpu.so, so the dynamic
 * linker resolves libtorch_cpu.so from the system search path; on a machine with Debian's
 * libtorch (python3-torch, one of the anchors) that is LibTorch 1.13 and the JVM dies with SIGSEGV.
 * Extracting first is the fix proposed for the library; the flag measures its cost.
 */
public final class StartupProbe {
    private StartupProbe() {}

    public static void main(String[] args) throws IOException {
        long t0 = Long.parseLong(System.getenv("BENCH_T0_NS"));
        long mainNs = nowNs();
        String mode = args.length > 0 ? args[0] : "search";
        if (java.util.Arrays.asList(args).contains("--preextract")) {
            Loader.cacheResources("/org/bytedeco/pytorch/" + Loader.getPlatform() + "/");
        }
        switch (mode) {
            case "embed" -> firstEmbedding();
            case "search" -> firstSearch();
            case "decode" -> firstDecode();
            default -> throw new IllegalArgumentException("mode must be embed, search or decode, got " + mode);
        }
        long doneNs = nowNs();
        long jvmStartNs = ManagementFactory.getRuntimeMXBean().getStartTime() * 1_000_000L;
        System.out.printf("{\"mode\": \"%s\", \"ms\": %.1f, \"jvm_to_main_ms\": %.1f, \"main_to_result_ms\": %.1f, \"launch_to_jvm_ms\": %.1f}%n",
                mode, (doneNs - t0) / 1e6, (mainNs - jvmStartNs) / 1e6, (doneNs - mainNs) / 1e6, (jvmStartNs - t0) / 1e6);
    }

    private static long nowNs() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static void firstEmbedding() {
        ModelConfig config = BenchModels.config("contrastive");
        try (MultimodalAutoencoder model = BenchModels.model(config); Embedder embedder = new Embedder(model)) {
            FloatMatrix e = embedder.embedImages(BenchModels.images(1, config.imageSize()), 1);
            if (e.rows() != 1 || e.cols() != config.commonDim()) {
                throw new IllegalStateException("unexpected embedding shape " + e.rows() + "x" + e.cols());
            }
        }
    }

    private static void firstSearch() {
        int n = 1000;
        int dim = 256;
        float[] data = new float[n * dim];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        try (CpuKnn index = new CpuKnn(dim)) {
            index.add(new FloatMatrix(n, dim, data));
            TopK top = index.search(new FloatMatrix(1, dim, java.util.Arrays.copyOf(data, dim)), 10);
            if (top.id(0, 0) != 0) {
                throw new IllegalStateException("a stored vector's nearest neighbour must be itself, got " + top.id(0, 0));
            }
        }
    }

    private static void firstDecode() throws IOException {
        Path first;
        try (Stream<Path> s = Files.list(BenchEnv.imageDir())) {
            first = s.filter(p -> p.toString().endsWith(".jpg")).sorted().findFirst()
                    .orElseThrow(() -> new IllegalStateException("no JPEG in " + BenchEnv.imageDir()));
        }
        float[] pixels = new ImageDecoder().decode(ImageSource.of(first));
        if (pixels.length != 3 * 64 * 64) {
            throw new IllegalStateException("unexpected output size " + pixels.length);
        }
    }
}
