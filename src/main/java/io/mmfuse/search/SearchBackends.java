package io.mmfuse.search;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that decides which {@link VectorIndex} implementation serves a search: CUDA when
 * a device and our kernels are usable, the CPU otherwise; the choice and its reason are logged.
 */
public final class SearchBackends {
    private static final Logger LOG = LoggerFactory.getLogger(SearchBackends.class);

    public enum Preference { AUTO, CPU, CUDA }

    private SearchBackends() {
    }

    public static VectorIndex open(int dimension, Preference preference) {
        if (preference != Preference.CPU) {
            String why = CudaBackendProbe.unavailableReason();
            if (why == null) {
                LOG.info("search backend: cuda");
                return CudaBackendProbe.open(dimension);
            }
            if (preference == Preference.CUDA) {
                throw new io.mmfuse.NativeBackendException("CUDA search requested but unavailable: " + why);
            }
            LOG.info("search backend: cpu (CUDA kernels unavailable: {})", why);
        } else {
            LOG.info("search backend: cpu (requested)");
        }
        return new CpuKnn(dimension);
    }
}
