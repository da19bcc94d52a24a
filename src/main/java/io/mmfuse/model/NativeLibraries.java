package io.mmfuse.model;

import io.mmfuse.NativeBackendException;
import java.io.IOException;
import org.bytedeco.javacpp.Loader;

/**
 * Unpacks all of LibTorch's native libraries into the JavaCPP cache before the first one loads.
 * On a cold cache JavaCPP otherwise extracts and loads them one by one, and the dynamic linker can
 * resolve libtorch.so's dependencies to a system LibTorch (Debian's python3-torch installs one),
 * which crashed the JVM with SIGSEGV (seen by the benchmark's cold-start run).
 */
public final class NativeLibraries {
    private static final Object LOCK = new Object();
    // Process-wide by nature: the cache is unpacked once per process.
    private static boolean unpacked;

    private NativeLibraries() {
    }

    /** Idempotent; a warm cache makes it a few milliseconds. */
    public static void unpack() {
        synchronized (LOCK) {
            if (unpacked) {
                return;
            }
            try {
                Loader.cacheResources("/org/bytedeco/pytorch/" + Loader.getPlatform() + "/");
            } catch (IOException e) {
                throw new NativeBackendException("cannot unpack the LibTorch natives into the JavaCPP cache: "
                        + e.getMessage(), e);
            }
            unpacked = true;
        }
    }
}
