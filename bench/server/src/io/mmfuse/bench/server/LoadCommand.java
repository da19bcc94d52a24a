package io.mmfuse.bench.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * {@code load}: for each case (text, image, search) and each concurrency, runs a closed loop for
 * a warm-up then a measured window, and appends one JSON line per run to {@code --out}.
 */
final class LoadCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    static int run(Args a) throws Exception {
        String http = a.str("http", "http://127.0.0.1:18080");
        String transport = a.str("transport", "http");
        Target target = Target.open(transport, http, a.str("grpc", "127.0.0.1:19090"));
        String label = a.str("label", "server");
        List<String> cases = a.list("cases", "text,image,search");
        List<String> concurrencies = a.list("concurrency", "1,8,64");
        double warmupS = a.dbl("warmup-s", 3);
        double measureS = a.dbl("measure-s", 10);
        int k = a.integer("k", 10);
        int items = a.integer("collection-items", 2000);
        boolean fillByImage = a.str("fill", "image").equals("image");
        Path out = Path.of(a.str("out", null));
        Workload w = Workload.load(Path.of(a.str("images", "/work/shared/data/flickr8k/images")),
                Path.of(a.str("captions", "/work/shared/data/flickr8k/captions.tsv")),
                a.str("queries", "").isEmpty() ? null : Path.of(a.str("queries", "")), a.integer("max-images", 2000));
        a.requireAllRead();
        HttpTarget metrics = new HttpTarget(http);
        System.err.printf("[%s] %d images (%.1f MB), %d captions%n", label, w.images.size(),
                w.images.stream().mapToLong(b -> b.length).sum() / 1e6, w.captions.size());

        // One request of each kind first: a wrong setup fails here, not as a table of errors.
        System.err.printf("[%s] probe: text dim %d, image dim %d%n", label, target.embedText(w.caption(0)), target.embedImage(w.image(0)));
        String collection = "bench" + Long.toHexString(System.nanoTime());
        if (cases.contains("search")) {
            double s = w.fill(target, collection, items, fillByImage);
            System.err.printf("[%s] filled %s with %d items (%s) in %.1f s; probe search: %d hits%n", label, collection, items,
                    fillByImage ? "images" : "captions", s, target.search(collection, w.caption(1), k));
        }
        for (String c : cases) {
            ClosedLoop.Op op = switch (c) {
                case "text" -> (t, seq) -> target.embedText(w.caption(seq));
                case "image" -> (t, seq) -> target.embedImage(w.image(seq));
                case "search" -> (t, seq) -> target.search(collection, w.caption(seq), k);
                default -> throw new IllegalArgumentException("unknown case " + c + " (text, image, search)");
            };
            String batcher = c.equals("image") ? "image" : "text";
            for (String conc : concurrencies) {
                int n = Integer.parseInt(conc);
                ClosedLoop loop = new ClosedLoop().start(c, n, op);
                Thread.sleep((long) (warmupS * 1000));
                ServerMetrics before = ServerMetrics.scrape(metrics, batcher);
                loop.newWindow();
                Thread.sleep((long) (measureS * 1000));
                long end = System.nanoTime();
                ClosedLoop.Window win = loop.stop();
                ServerMetrics after = ServerMetrics.scrape(metrics, batcher);
                double seconds = (end - win.startNanos) / 1e9;
                ObjectNode r = JSON.createObjectNode();
                r.put("label", label).put("transport", transport).put("case", c).put("concurrency", n);
                r.put("seconds", seconds).put("ok", win.ok.sum()).put("failed", win.failed());
                r.set("failures", JSON.valueToTree(win.failureCounts()));
                r.put("throughput", win.ok.sum() / seconds);
                r.put("p50_ms", win.latencyMicros.getValueAtPercentile(50) / 1000.0);
                r.put("p90_ms", win.latencyMicros.getValueAtPercentile(90) / 1000.0);
                r.put("p99_ms", win.latencyMicros.getValueAtPercentile(99) / 1000.0);
                r.put("max_ms", win.latencyMicros.getMaxValue() / 1000.0);
                r.put("mean_batch", after.meanBatchSince(before));
                if (loop.firstError() != null) {
                    r.put("first_error", loop.firstError());
                }
                System.err.println(r);
                Files.writeString(out, r + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
        }
        target.close();
        return 0;
    }
}
