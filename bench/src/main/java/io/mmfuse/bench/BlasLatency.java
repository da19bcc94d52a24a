package io.mmfuse.bench;

import static org.bytedeco.pytorch.global.torch.from_blob;
import static org.bytedeco.pytorch.global.torch.mm_out;
import static org.bytedeco.pytorch.global.torch.set_num_threads;

import java.util.SplittableRandom;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;

/**
 * Diagnostic: the latency of one CpuKnn-sized product (64x256 by 256x4096) through LibTorch and its
 * bundled OpenBLAS, with the thread count taken from OPENBLAS_NUM_THREADS. Compare with
 * bench/anchors/blas_latency.py (numpy on Debian's OpenBLAS) while the machine is busy: that is
 * how the 2-thread collapse in bench/README.md finding 2 was found.
 *
 * <p>{@code java -cp ... io.mmfuse.bench.BlasLatency [calls]}
 */
public final class BlasLatency {
    private BlasLatency() {}

    public static void main(String[] args) {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        set_num_threads(1);
        try (PointerScope scope = new PointerScope()) {
            FloatPointer qb = new FloatPointer(64L * 256);
            FloatPointer xb = new FloatPointer(4096L * 256);
            FloatPointer ob = new FloatPointer(64L * 4096);
            SplittableRandom random = new SplittableRandom(1);
            for (long i = 0; i < 64 * 256; i++) {
                qb.put(i, (float) random.nextDouble());
            }
            for (long i = 0; i < 4096 * 256; i++) {
                xb.put(i, (float) random.nextDouble());
            }
            Tensor q = from_blob(qb, 64, 256);
            Tensor xt = from_blob(xb, 4096, 256).t();
            Tensor o = from_blob(ob, 64, 4096);
            for (int i = 0; i < 50; i++) {
                mm_out(o, q, xt);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                mm_out(o, q, xt);
            }
            System.out.printf("LibTorch + bundled OpenBLAS, OPENBLAS_NUM_THREADS=%s: %.3f ms per 64x256x4096 product%n",
                    System.getenv("OPENBLAS_NUM_THREADS"), (System.nanoTime() - t0) / 1e6 / calls);
        }
    }
}
