package io.mmfuse.cuda;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Finds the CUDA devices the k-NN kernels can use. Never throws. */
public final class CudaDevices {
    private static final Logger LOG = LoggerFactory.getLogger(CudaDevices.class);

    private CudaDevices() {}

    /**
     * What a probe found.
     *
     * @param deviceCount usable devices (compute capability 8.0 or newer); 0 when none
     * @param names one line per usable device: name, compute capability, memory
     * @param reason why there is none ("" when deviceCount &gt; 0)
     */
    public record Probe(int deviceCount, List<String> names, String reason) {
        public Probe {
            names = List.copyOf(names);
        }

        public boolean available() {
            return deviceCount > 0;
        }
    }

    /**
     * Asks the CUDA runtime. No device, no driver, an old driver or a missing native library all
     * give zero devices with the reason, logged at INFO.
     */
    public static Probe probe() {
        return probe(true);
    }

    /** Same probe; the "unavailable" line at DEBUG instead of INFO (for frequent availability checks). */
    static Probe quietProbe() {
        return probe(false);
    }

    private static Probe probe(boolean verbose) {
        String failure = KnnLibrary.loadFailure();
        if (failure != null) {
            unavailable(verbose, failure);
            return new Probe(0, List.of(), failure);
        }
        try (IntPointer count = new IntPointer(1)) {
            int status = KnnNative.mmfuse_device_count(count);
            if (status != KnnNativeCodes.OK || count.get() == 0) {
                String reason = KnnLibrary.lastError();
                if (reason.isEmpty()) {
                    reason = "no CUDA device (status " + status + ")";
                }
                unavailable(verbose, reason);
                return new Probe(0, List.of(), reason);
            }
            List<String> names = new ArrayList<>();
            for (int d = 0; d < count.get(); d++) {
                names.add(describe(d));
            }
            LOG.debug("CUDA devices (runtime {}): {}", KnnNative.mmfuse_runtime_version().getString(), names);
            return new Probe(count.get(), names, "");
        } catch (RuntimeException | LinkageError e) {
            String reason = "no CUDA device: probing failed (" + e + ")";
            unavailable(verbose, reason);
            return new Probe(0, List.of(), reason);
        }
    }

    private static void unavailable(boolean verbose, String reason) {
        if (verbose) {
            LOG.info("CUDA k-NN unavailable: {}", reason);
        } else {
            LOG.debug("CUDA k-NN unavailable: {}", reason);
        }
    }

    private static String describe(int device) {
        try (BytePointer name = new BytePointer(256);
                IntPointer major = new IntPointer(1);
                IntPointer minor = new IntPointer(1);
                LongPointer mem = new LongPointer(1);
                IntPointer sms = new IntPointer(1)) {
            int status = KnnNative.mmfuse_device_info(device, name, 256, major, minor, mem, sms);
            if (status != KnnNativeCodes.OK) {
                return "device " + device + " (" + KnnLibrary.lastError() + ")";
            }
            return String.format("%s (sm_%d%d, %d SMs, %.1f GiB)", untilNul(name, 256), major.get(), minor.get(),
                    sms.get(), mem.get() / (1024.0 * 1024 * 1024));
        }
    }

    /**
     * The C string in a fixed-size buffer. BytePointer.getString() would read the whole capacity
     * (the bytes after the NUL are garbage), so this stops at the first NUL.
     */
    static String untilNul(BytePointer buffer, int capacity) {
        byte[] bytes = new byte[capacity];
        buffer.position(0).get(bytes);
        int end = 0;
        while (end < capacity && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, java.nio.charset.StandardCharsets.UTF_8);
    }
}
