package io.mmfuse.cuda;

import io.mmfuse.search.FloatMatrix;
import io.mmfuse.search.TopK;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * GPU visit, Java side (bench/gpu/run.sh): correctness of CudaKnn against a float64 reference on
 * fresh random inputs of awkward sizes, then timings of the kernels alone (CUDA events inside the
 * native library) and of the whole Java search call, written as JSON.
 *
 * <pre>java -cp ... io.mmfuse.cuda.GpuKnnBench --out mmfuse.json [--quick]</pre>
 *
 * Exit code 1 if any correctness case fails.
 */
public final class GpuKnnBench {
    private static final int WARMUP = 3;
    private static final int ITERS = 20;

    private GpuKnnBench() {}

    record Case(String name, int n, int d, int q, int k, CudaKnn.Mode mode, int duplicates) {}

    public static void main(String[] args) throws IOException {
        Path out = Path.of("mmfuse.json");
        boolean quick = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--out")) {
                out = Path.of(args[++i]);
            } else if (args[i].equals("--quick")) {
                quick = true;
            }
        }
        CudaDevices.Probe probe = CudaDevices.probe();
        System.out.println("probe: " + probe);
        if (!probe.available()) {
            System.exit(3);
        }
        StringBuilder json = new StringBuilder();
        json.append("{\n  \"device\": ").append(quote(probe.names().get(0))).append(",\n");
        json.append("  \"runtime\": ").append(quote(KnnNative.mmfuse_runtime_version().getString())).append(",\n");

        List<String> correctness = new ArrayList<>();
        int failures = correctness(quick, correctness);
        json.append("  \"correctness\": [\n    ").append(String.join(",\n    ", correctness)).append("\n  ],\n");

        List<String> timings = new ArrayList<>();
        failures += timings(quick, timings);
        json.append("  \"timings\": [\n    ").append(String.join(",\n    ", timings)).append("\n  ],\n");
        json.append("  \"failures\": ").append(failures).append("\n}\n");
        Files.writeString(out, json, StandardCharsets.UTF_8);
        System.out.println(failures == 0 ? "java bench: all correctness cases passed" : "java bench: " + failures + " FAILED");
        System.exit(failures == 0 ? 0 : 1);
    }

    static FloatMatrix gaussian(long seed, int rows, int cols) {
        float[] data = new float[rows * cols];
        int block = 1 << 16;
        IntStream.range(0, (data.length + block - 1) / block).parallel().forEach(b -> {
            SplittableRandom rnd = new SplittableRandom(seed * 1_000_003L + b);
            int end = Math.min(data.length, (b + 1) * block);
            for (int i = b * block; i < end; i++) {
                data[i] = (float) gauss(rnd);
            }
        });
        return new FloatMatrix(rows, cols, data);
    }

    private static double gauss(SplittableRandom rnd) {
        // Box-Muller, one value per call: simple and plenty fast in parallel.
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** Exact copies of some rows at far-apart positions (other tiles and slices); query 1 sits on one. */
    static void plantDuplicates(FloatMatrix db, FloatMatrix queries, int copies) {
        int n = db.rows();
        int d = db.cols();
        for (int c = 0; c < copies; c++) {
            int src = (int) ((c * 7919L) % n);
            for (int j = 1; j <= 3; j++) {
                int dst = (int) ((src + (long) j * (n / 4) + 1) % n);
                System.arraycopy(db.data(), src * d, db.data(), dst * d, d);
            }
        }
        if (queries.rows() > 1) {
            System.arraycopy(db.data(), 0, queries.data(), d, d);
        }
    }

    static int correctness(boolean quick, List<String> json) {
        List<Case> cases = new ArrayList<>(List.of(
                new Case("k=N tiny", 33, 3, 4, 33, CudaKnn.Mode.AUTO, 1),
                new Case("k=1 dups", 100_003, 257, 64, 1, CudaKnn.Mode.AUTO, 20),
                new Case("k=1024 dups", 100_003, 257, 16, 1024, CudaKnn.Mode.AUTO, 20),
                new Case("multi-tile tf32", 250_007, 100, 300, 10, CudaKnn.Mode.TF32, 20),
                new Case("multi-tile 3xtf32", 250_007, 100, 300, 10, CudaKnn.Mode.THREE_X_TF32, 20),
                new Case("k=100 d=31", 120_001, 31, 40, 100, CudaKnn.Mode.AUTO, 20),
                new Case("identical rows", 70_001, 4, 2, 64, CudaKnn.Mode.AUTO, -1),
                new Case("small-Q Q=3 k=10", 250_007, 100, 3, 10, CudaKnn.Mode.TF32, 20),
                new Case("small-Q Q=16 k=32 dups", 100_003, 257, 16, 32, CudaKnn.Mode.AUTO, 20),
                new Case("small-Q Q=1 k=1", 1_000_003, 64, 1, 1, CudaKnn.Mode.AUTO, 20),
                new Case("small-Q identical", 70_001, 4, 1, 32, CudaKnn.Mode.AUTO, -1),
                new Case("k=2000 full rows", 30_011, 17, 3, 2000, CudaKnn.Mode.AUTO, 5)));
        if (!quick) {
            cases.add(new Case("N=1e6 d=256 k=10", 1_000_000, 256, 8, 10, CudaKnn.Mode.AUTO, 50));
        }
        int failures = 0;
        long seed = System.nanoTime();   // fresh inputs on every visit; printed for reproduction
        System.out.printf(Locale.ROOT, "%n== correctness vs float64 reference (seed %d)%n", seed);
        for (Case c : cases) {
            FloatMatrix db = gaussian(++seed, c.n(), c.d());
            FloatMatrix q = gaussian(++seed, c.q(), c.d());
            if (c.duplicates() > 0) {
                plantDuplicates(db, q, c.duplicates());
            } else if (c.duplicates() < 0) {
                for (int i = 1; i < c.n(); i++) {
                    System.arraycopy(db.data(), 0, db.data(), i * c.d(), c.d());
                }
                System.arraycopy(db.data(), 0, q.data(), 0, c.d());
            }
            long t0 = System.nanoTime();
            List<String> errors;
            try (CudaKnn index = new CudaKnn(c.d(), CudaKnn.Options.defaults().withMode(c.mode()))) {
                int half = c.n() / 2;
                index.add(db.slice(0, half));
                index.add(db.slice(half, c.n()));
                TopK top = index.search(q, c.k());
                errors = new ArrayList<>(Float64Reference.compare(db, q, c.k(), top, IntStream.range(0, c.q()).toArray()));
                if (c.duplicates() < 0) {
                    int[] want = IntStream.range(0, c.k()).toArray();
                    if (!Arrays.equals(top.idsOf(0), want)) {
                        errors.add("identical rows: ids not 0.." + (c.k() - 1) + " in order");
                    }
                }
            } catch (RuntimeException e) {
                errors = List.of("exception: " + e);
            }
            double sec = (System.nanoTime() - t0) / 1e9;
            boolean ok = errors.isEmpty();
            failures += ok ? 0 : 1;
            System.out.printf(Locale.ROOT, "%s %-20s N=%-8d d=%-4d Q=%-4d k=%-5d mode=%-12s %.1fs %s%n",
                    ok ? "PASS" : "FAIL", c.name(), c.n(), c.d(), c.q(), c.k(), c.mode(), sec,
                    ok ? "" : errors.get(0));
            json.add(String.format(Locale.ROOT,
                    "{\"case\": %s, \"n\": %d, \"d\": %d, \"q\": %d, \"k\": %d, \"mode\": %s, \"pass\": %b, \"detail\": %s}",
                    quote(c.name()), c.n(), c.d(), c.q(), c.k(), quote(c.mode().toString()), ok,
                    quote(ok ? "" : errors.get(0))));
        }
        return failures;
    }

    static int timings(boolean quick, List<String> json) {
        int n = quick ? 200_000 : 1_000_000;
        int d = 256;
        int failures = 0;
        System.out.printf(Locale.ROOT, "%n== timings N=%d d=%d (median of %d after %d warm-up)%n", n, d, ITERS, WARMUP);
        FloatMatrix db = gaussian(42, n, d);
        FloatMatrix queries = gaussian(43, 1024, d);
        try (CudaKnn index = new CudaKnn(d)) {
            long t0 = System.nanoTime();
            index.add(db);
            System.out.printf(Locale.ROOT, "upload %d x %d: %.2f s%n", n, d, (System.nanoTime() - t0) / 1e9);
            // Q = 2 and 3 time the small-Q path against the tensor cores where kSmallQAutoMax (4) may be too high.
            int[][] configs = {{1, 10}, {2, 10}, {3, 10}, {4, 10}, {16, 10}, {256, 10}, {1024, 10}, {1024, 100}, {1024, 1024}};
            System.out.printf(Locale.ROOT, "%-6s %-6s %-7s %-7s %12s %12s %12s%n", "Q", "k", "mode", "variant",
                    "kernel_ms", "java_ms", "kernel_TFLOPs");
            for (int[] cfg : configs) {
                boolean smallQ = usesSmallQ(index, cfg[0], cfg[1]);
                for (CudaKnn.Mode mode : List.of(CudaKnn.Mode.TF32, CudaKnn.Mode.THREE_X_TF32)) {
                    if (mode == CudaKnn.Mode.THREE_X_TF32 && (cfg[1] != 10 || smallQ)) {
                        continue;   // the small-Q path is fp32 for every mode
                    }
                    FloatMatrix q = queries.slice(0, cfg[0]);
                    // Small-Q configurations: the default (small-Q) path, then the tensor-core path
                    // forced. Others: the legacy tensor-core kernel ("fused", with the Java call,
                    // which runs the library default), then the two-blocks-per-SM one ("fused2").
                    // Then, for TF32 and k <= 32, the Hopper wgmma kernel where the device has it.
                    List<String> variants = new ArrayList<>(smallQ ? List.of("smallq", "fused") : List.of("fused", "fused2"));
                    if (mode == CudaKnn.Mode.TF32 && cfg[1] <= 32) {
                        variants.add("wgmma");
                        variants.add("wgmma2");   // the leaner epilogue (the default)
                    }
                    for (String variant : variants) {
                        boolean javaCall = variant.equals(variants.get(0));
                        String modeName = mode == CudaKnn.Mode.TF32 ? "tf32" : "3xtf32";
                        int code = mode.code | switch (variant) {
                            case "smallq" -> 0;
                            case "fused" -> smallQ ? KnnNativeCodes.FLAG_FUSED_ONLY : KnnNativeCodes.FLAG_LEGACY_FUSED;
                            case "wgmma" -> KnnNativeCodes.FLAG_FUSED_ONLY | KnnNativeCodes.FLAG_WGMMA_FUSED;
                            case "wgmma2" -> KnnNativeCodes.FLAG_FUSED_ONLY | KnnNativeCodes.FLAG_WGMMA_LEAN_FUSED;
                            default -> KnnNativeCodes.FLAG_TWO_CTA_FUSED;
                        };
                        double kernel;
                        try {
                            kernel = kernelMedianMs(index, q, cfg[1], code);
                        } catch (CudaException e) {
                            if (variant.startsWith("wgmma")) {   // not a compute capability 9.0 device
                                System.out.println("wgmma variant unavailable: " + e.getMessage());
                                continue;
                            }
                            throw e;
                        }
                        double whole = javaCall ? wholeCallMedianMs(q, cfg[1], mode, index) : Double.NaN;
                        double tflops = 2.0 * cfg[0] * (double) n * d / (kernel * 1e-3) / 1e12;
                        System.out.printf(Locale.ROOT, "%-6d %-6d %-7s %-7s %12.3f %12.3f %12.1f%n", cfg[0], cfg[1],
                                modeName, variant, kernel, whole, tflops);
                        json.add(String.format(Locale.ROOT,
                                "{\"n\": %d, \"d\": %d, \"q\": %d, \"k\": %d, \"mode\": %s, \"variant\": %s, "
                                        + "\"kernel_ms\": %s, \"java_call_ms\": %s, \"kernel_tflops\": %s}",
                                n, d, cfg[0], cfg[1], quote(modeName), quote(variant), number(kernel, 4),
                                number(whole, 4), number(tflops, 2)));
                    }
                }
            }
            // The timed configuration's answers, checked on a few queries.
            TopK top = index.search(queries, 10);
            List<String> errors = Float64Reference.compare(db, queries, 10, top, new int[] {0, 1, 2, 3, 511, 1023});
            System.out.println((errors.isEmpty() ? "PASS" : "FAIL " + errors.get(0))
                    + " timed config N=" + n + " Q=1024 k=10 (6 queries checked)");
            failures += errors.isEmpty() ? 0 : 1;
            // The same through the two-blocks-per-SM kernel, whatever the library default is.
            TopK top2 = searchWithFlags(index, queries, 10, CudaKnn.Mode.TF32.code | KnnNativeCodes.FLAG_TWO_CTA_FUSED);
            List<String> errors2 = Float64Reference.compare(db, queries, 10, top2, new int[] {0, 1, 2, 3, 511, 1023});
            System.out.println((errors2.isEmpty() ? "PASS" : "FAIL " + errors2.get(0))
                    + " timed config fused2 N=" + n + " Q=1024 k=10 (6 queries checked)");
            failures += errors2.isEmpty() ? 0 : 1;
            // And through both wgmma kernels, on a device that has them.
            for (int flag : new int[] {KnnNativeCodes.FLAG_WGMMA_FUSED, KnnNativeCodes.FLAG_WGMMA_LEAN_FUSED}) {
                String name = flag == KnnNativeCodes.FLAG_WGMMA_FUSED ? "wgmma" : "wgmma2";
                try {
                    TopK top3 = searchWithFlags(index, queries, 10, CudaKnn.Mode.TF32.code | flag);
                    List<String> errors3 = Float64Reference.compare(db, queries, 10, top3, new int[] {0, 1, 2, 3, 511, 1023});
                    System.out.println((errors3.isEmpty() ? "PASS" : "FAIL " + errors3.get(0))
                            + " timed config " + name + " N=" + n + " Q=1024 k=10 (6 queries checked)");
                    failures += errors3.isEmpty() ? 0 : 1;
                } catch (CudaException e) {
                    System.out.println(name + " variant unavailable: " + e.getMessage());
                }
            }
        }
        return failures;
    }

    static TopK searchWithFlags(CudaKnn index, FloatMatrix q, int k, int modeCode) {
        try (PointerScope scope = new PointerScope()) {
            FloatPointer staged = new FloatPointer(q.data());
            IntPointer ids = new IntPointer((long) q.rows() * k);
            FloatPointer dists = new FloatPointer((long) q.rows() * k);
            IntPointer inexact = new IntPointer(1);
            CudaKnn.check(KnnNative.mmfuse_knn_search(index.handleForBench(), staged, q.rows(), k, modeCode, ids,
                    dists, inexact), "searching with flags");
            int[] outIds = new int[q.rows() * k];
            float[] outDists = new float[q.rows() * k];
            ids.get(outIds);
            dists.get(outDists);
            return new TopK(q.rows(), k, outIds, outDists);
        }
    }

    static boolean usesSmallQ(CudaKnn index, int nq, int k) {
        try (IntPointer out = new IntPointer(1)) {
            CudaKnn.check(KnnNative.mmfuse_knn_uses_small_q(index.handleForBench(), nq, k, out), "planning");
            return out.get() != 0;
        }
    }

    static double kernelMedianMs(CudaKnn index, FloatMatrix q, int k, int modeCode) {
        try (PointerScope scope = new PointerScope()) {
            FloatPointer staged = new FloatPointer(q.data());
            FloatPointer ms = new FloatPointer(ITERS);
            CudaKnn.check(KnnNative.mmfuse_knn_time_search(index.handleForBench(), staged, q.rows(), k, modeCode,
                    WARMUP, ITERS, ms), "timing the kernels");
            float[] t = new float[ITERS];
            ms.get(t);
            return median(t);
        }
    }

    static double wholeCallMedianMs(FloatMatrix q, int k, CudaKnn.Mode mode, CudaKnn shared) {
        // The shared index runs AUTO; for a pinned mode time the same call path on that index only
        // when the modes agree (AUTO = TF32 unless a window overflows, which random data never does).
        if (mode != CudaKnn.Mode.TF32) {
            return Double.NaN;
        }
        float[] t = new float[ITERS];
        for (int i = 0; i < WARMUP + ITERS; i++) {
            long t0 = System.nanoTime();
            shared.search(q, k);
            long dt = System.nanoTime() - t0;
            if (i >= WARMUP) {
                t[i - WARMUP] = (float) (dt / 1e6);
            }
        }
        return median(t);
    }

    static double median(float[] t) {
        float[] s = t.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /** A JSON string literal: quotes, backslashes and every control character escaped. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** A JSON number, or null for NaN and infinities (JSON has neither). */
    static String number(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "null";
    }
}
