package io.mmfuse.cuda;

import org.bytedeco.javacpp.Loader;

/**
 * Loads the JNI library of {@link KnnNative} once and remembers why it failed, so that callers can
 * ask without catching linkage errors themselves.
 */
final class KnnLibrary {
    private KnnLibrary() {}

    private static final class Holder {
        static final String LOAD_FAILURE = load();

        private static String load() {
            try {
                Loader.load(KnnNative.class);
                return null;
            } catch (UnsatisfiedLinkError | NoClassDefFoundError | ExceptionInInitializerError e) {
                return "kernels unavailable: the CUDA k-NN native library could not be loaded ("
                        + e.getClass().getSimpleName() + ": " + e.getMessage() + ")";
            } catch (RuntimeException e) {
                return "kernels unavailable: " + e;
            }
        }
    }

    /** Why the library is unusable, or null when it loaded. */
    static String loadFailure() {
        return Holder.LOAD_FAILURE;
    }

    /** The message of the last failed native call on this thread. */
    static String lastError() {
        return KnnNative.mmfuse_last_error().getString();
    }
}
