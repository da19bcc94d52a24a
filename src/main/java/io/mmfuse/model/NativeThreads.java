package io.mmfuse.model;

import io.mmfuse.InvalidInputException;
import org.bytedeco.pytorch.global.torch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LibTorch's CPU thread pools. The intra-op pool (parallelism inside one op) can be resized at any
 * time; the inter-op pool can be sized only once per process and only before any parallel work
 * has run, after which LibTorch throws. {@link #configure} therefore applies the inter-op size at
 * most once and afterwards only logs, so calling it from several entry points is safe.
 */
public final class NativeThreads {
    private static final Logger LOG = LoggerFactory.getLogger(NativeThreads.class);

    // Process-wide by nature: it mirrors LibTorch's own once-per-process inter-op setting.
    private static final Object LOCK = new Object();
    private static boolean interOpAttempted;

    /** The sizes in effect after {@link #configure}. */
    public record Settings(int intraOp, int interOp) {
    }

    private NativeThreads() {
    }

    /**
     * Sets the pool sizes; a value <= 0 keeps LibTorch's current size.
     *
     * @return the sizes LibTorch reports afterwards
     */
    public static Settings configure(int intraOp, int interOp) {
        synchronized (LOCK) {
            NativeLibraries.unpack();
            if (intraOp > 0) {
                torch.set_num_threads(intraOp);
            }
            if (interOp > 0) {
                long current = torch.get_num_interop_threads();
                if (interOpAttempted || current == interOp) {
                    if (current != interOp) {
                        LOG.debug("inter-op threads already fixed at {} for this process; {} ignored", current, interOp);
                    }
                } else {
                    interOpAttempted = true;
                    try {
                        torch.set_num_interop_threads(interOp);
                    } catch (RuntimeException e) {
                        LOG.warn("inter-op threads stay at {}: {}", current, firstLine(e.getMessage()));
                    }
                }
            }
            Settings s = new Settings(torch.get_num_threads(), (int) torch.get_num_interop_threads());
            adviseWaitPolicy(s.intraOp);
            LOG.info("LibTorch threads: intra-op {}, inter-op {}", s.intraOp, s.interOp);
            return s;
        }
    }

    /** Sets only the intra-op pool (what a training or embedding job usually wants). */
    public static Settings intraOp(int threads) {
        if (threads <= 0) {
            throw new InvalidInputException("threads", "must be > 0, got " + threads);
        }
        return configure(threads, 0);
    }

    /**
     * Sizes OpenBLAS's own thread pool, which LibTorch uses for matrix products (Linear layers,
     * the similarity matrix). Training calls this with 1: LibTorch already parallelises the
     * convolutions with OpenMP, and an OpenBLAS pool of the same size on top oversubscribes the
     * cores. Measured on the 2-core dev VM, batch 128 at 64x64: 2.5 ms CPU per example with one
     * BLAS thread against 3.7-10.7 ms with OpenBLAS's default (one per core).
     *
     * @return false if the BLAS library did not accept the call (then nothing changed)
     */
    public static boolean blasThreads(int threads) {
        if (threads <= 0) {
            throw new InvalidInputException("blasThreads", "must be > 0, got " + threads);
        }
        try {
            org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(threads);
            LOG.info("OpenBLAS threads: {}", threads);
            return true;
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("could not size the OpenBLAS pool: {}", e.toString());
            return false;
        }
    }

    /**
     * libgomp's default wait policy spins on the cores between parallel regions; on a machine
     * shared with other busy processes a spinning thread waits for a descheduled peer and a
     * 2-thread op can take 20x longer than on one thread. OMP_WAIT_POLICY=PASSIVE avoids that but
     * must be set in the environment before the process starts (launcher script).
     */
    static void adviseWaitPolicy(int intraOp) {
        if (intraOp > 1 && System.getenv("OMP_WAIT_POLICY") == null) {
            LOG.info("OMP_WAIT_POLICY is unset: on a machine shared with other busy processes, export "
                    + "OMP_WAIT_POLICY=PASSIVE before starting the JVM (multi-threaded ops stall otherwise)");
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
