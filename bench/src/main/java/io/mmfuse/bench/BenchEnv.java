package io.mmfuse.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Settings the benchmarks take from system properties (so that run.sh can pass them through JMH
 * with {@code -jvmArgsAppend}) and the native thread configuration they insist on.
 */
final class BenchEnv {
    private BenchEnv() {}

    /** Where the shared .npy vectors live ({@code -Dbench.data}, default target/bench-data). */
    static Path dataDir() {
        return Path.of(System.getProperty("bench.data", "target/bench-data"));
    }

    /** Flickr8k-style folder of JPEGs ({@code -Dbench.images}). */
    static Path imageDir() {
        return Path.of(System.getProperty("bench.images", "/work/shared/data/flickr8k/images"));
    }

    /** Flickr8k captions.tsv ({@code -Dbench.captions}). */
    static Path captionsFile() {
        return Path.of(System.getProperty("bench.captions", "/work/shared/data/flickr8k/captions.tsv"));
    }

    /** Where benchmarks drop their results for cross-checking with the anchors ({@code -Dbench.out}), if set. */
    static Optional<Path> outDir() {
        String dir = System.getProperty("bench.out");
        if (dir == null || dir.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.createDirectories(Path.of(dir)));
        } catch (IOException e) {
            throw new IllegalStateException("cannot create -Dbench.out=" + dir, e);
        }
    }

    /**
     * Sets LibTorch's intra-op threads and checks that OpenBLAS, which LibTorch calls for the
     * matrix product and which reads its thread count only from the environment, was started with
     * the same number. Without that check a "1 thread" result could silently use two cores.
     */
    static void configureNativeThreads(int threads) {
        // -Dbench.blasThreads=1 tries LibTorch threads with single-threaded OpenBLAS (see README).
        configureNativeThreads(threads, Integer.getInteger("bench.blasThreads", threads));
    }

    /** As {@link #configureNativeThreads(int)}, for code that runs {@code blasThreads} OpenBLAS threads per call. */
    static void configureNativeThreads(int threads, int blasThreads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        String blas = System.getenv("OPENBLAS_NUM_THREADS");
        if (blas == null || Integer.parseInt(blas.trim()) != blasThreads) {
            throw new IllegalStateException("threads=" + threads + " needs OPENBLAS_NUM_THREADS=" + blasThreads
                    + " in the environment (found " + blas + "); bench/run.sh sets it");
        }
        org.bytedeco.pytorch.global.torch.set_num_threads(threads);
    }
}
