package io.mmfuse.bench.server;

/**
 * Reads the batcher's batch-size summary from the server's Prometheus text
 * ({@code mmfuse_batcher_batch_size_sum/_count{batcher="..."}}), to report the mean batch a case
 * produced.
 */
record ServerMetrics(double batchSum, double batchCount) {
    static ServerMetrics scrape(HttpTarget http, String batcher) {
        if (http == null) {
            return new ServerMetrics(Double.NaN, Double.NaN);
        }
        try {
            String text = http.metrics();
            return new ServerMetrics(value(text, "mmfuse_batcher_batch_size_sum", batcher),
                    value(text, "mmfuse_batcher_batch_size_count", batcher));
        } catch (Exception e) {
            return new ServerMetrics(Double.NaN, Double.NaN);
        }
    }

    private static double value(String text, String name, String batcher) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "{") && line.contains("batcher=\"" + batcher + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Double.NaN;
    }

    /** Mean inputs per model call between {@code before} and this scrape. */
    double meanBatchSince(ServerMetrics before) {
        double n = batchCount - before.batchCount;
        return n > 0 ? (batchSum - before.batchSum) / n : Double.NaN;
    }
}
