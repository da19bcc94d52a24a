package io.mmfuse.bench.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code report}: puts the batched and unbatched load results side by side (markdown) and checks
 * the target for image embedding: throughput at concurrency 64 at least 3x the unbatched
 * one, with p99 at most 2 x (unbatched p99 at concurrency 1) x batch size. Exit code 0 when met,
 * 3 when not.
 */
final class ReportCommand {
    private static final ObjectMapper JSON = new ObjectMapper();

    static int run(Args a) throws Exception {
        Map<String, JsonNode> on = read(Path.of(a.str("on", null)));
        Map<String, JsonNode> off = read(Path.of(a.str("off", null)));
        int maxBatch = a.integer("max-batch", 64);
        double minSpeedup = a.dbl("min-speedup", 3.0);
        int targetConcurrency = a.integer("target-concurrency", 64);
        Path out = Path.of(a.str("out", null));
        a.requireAllRead();

        StringBuilder md = new StringBuilder();
        md.append("| case | conc | batched req/s | p50 ms | p99 ms | mean batch | unbatched req/s | p50 ms | p99 ms | speed-up | errors (on/off) |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Map.Entry<String, JsonNode> e : on.entrySet()) {
            JsonNode b = e.getValue();
            JsonNode u = off.get(e.getKey());
            md.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.2f | %.2f | %.1f | %s | %s | %s | %s | %s / %s |\n",
                    b.get("case").asText(), b.get("concurrency").asInt(), b.get("throughput").asDouble(),
                    b.get("p50_ms").asDouble(), b.get("p99_ms").asDouble(), b.get("mean_batch").asDouble(),
                    u == null ? "-" : fmt("%.1f", u.get("throughput").asDouble()),
                    u == null ? "-" : fmt("%.2f", u.get("p50_ms").asDouble()),
                    u == null ? "-" : fmt("%.2f", u.get("p99_ms").asDouble()),
                    u == null ? "-" : fmt("%.2fx", b.get("throughput").asDouble() / u.get("throughput").asDouble()),
                    errors(b), u == null ? "-" : errors(u)));
        }
        JsonNode b64 = on.get("image/" + targetConcurrency);
        JsonNode u64 = off.get("image/" + targetConcurrency);
        JsonNode u1 = off.get("image/1");
        int exit = 0;
        md.append("\n**Target (image embedding):** ");
        if (b64 == null || u64 == null || u1 == null) {
            md.append("not evaluated: the image case needs concurrency 1 and ").append(targetConcurrency)
                    .append(" in both runs.\n");
            exit = 3;
        } else {
            double speedup = b64.get("throughput").asDouble() / u64.get("throughput").asDouble();
            double p99 = b64.get("p99_ms").asDouble();
            double bound = 2 * u1.get("p99_ms").asDouble() * maxBatch;
            double meanBatch = b64.get("mean_batch").asDouble();
            double boundObserved = 2 * u1.get("p99_ms").asDouble() * meanBatch;
            boolean speedOk = speedup >= minSpeedup && b64.get("failed").asLong() == 0;
            boolean p99Ok = p99 <= bound;
            md.append(String.format(Locale.ROOT,
                    "throughput at concurrency %d: %.1f vs %.1f req/s = **%.2fx** (target >= %.1fx: %s); "
                            + "p99 %.2f ms vs bound 2 x %.2f ms x %d = %.1f ms (%s; with the observed mean batch %.1f the bound is %.1f ms: %s).\n",
                    targetConcurrency, b64.get("throughput").asDouble(), u64.get("throughput").asDouble(), speedup, minSpeedup,
                    speedOk ? "met" : "NOT met", p99, u1.get("p99_ms").asDouble(), maxBatch, bound, p99Ok ? "met" : "NOT met",
                    meanBatch, boundObserved, p99 <= boundObserved ? "met" : "not met"));
            exit = speedOk && p99Ok ? 0 : 3;
        }
        Files.writeString(out, md.toString(), StandardCharsets.UTF_8);
        System.out.print(md);
        return exit;
    }

    private static String errors(JsonNode r) {
        return r.get("failed").asLong() == 0 ? "0" : r.get("failures").toString().replace("\"", "");
    }

    private static String fmt(String f, double v) {
        return String.format(Locale.ROOT, f, v);
    }

    private static Map<String, JsonNode> read(Path jsonl) throws Exception {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                JsonNode n = JSON.readTree(line);
                out.put(n.get("case").asText() + "/" + n.get("concurrency").asInt(), n);
            }
        }
        return out;
    }
}
