package io.mmfuse.bench.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code soak}: moderate mixed load (40 % text, 30 % image, 30 % search) from a few closed-loop
 * clients for a fixed time, sampling the server's RSS ({@code /proc/PID/status} VmRSS) and, when
 * the server runs with the native-memory agent, JavaCPP's {@code Pointer.physicalBytes()} and
 * {@code Pointer.totalBytes()} every few seconds. After the warm-up a line is fitted to RSS and to
 * physicalBytes; if either grows by more than {@code --max-growth} from the start to the end of
 * the fit, the soak fails (exit 4).
 */
final class SoakCommand {
    private record Sample(double t, double rssMb, double physicalMb, double trackedMb, double heapUsedMb,
            double heapCommittedMb, long requests, long errors, double p99Ms) {
    }

    static int run(Args a) throws Exception {
        String http = a.str("http", "http://127.0.0.1:18080");
        String transport = a.str("transport", "http");
        Target target = Target.open(transport, http, a.str("grpc", "127.0.0.1:19090"));
        long pid = Long.parseLong(a.str("pid", null));
        String agentFile = a.str("agent-file", "");
        double durationS = a.dbl("duration-s", 600);
        double sampleS = a.dbl("sample-s", 10);
        double warmupS = a.dbl("warmup-s", 120);
        int clients = a.integer("clients", 8);
        double thinkMs = a.dbl("think-ms", 0);
        double maxGrowth = a.dbl("max-growth", 0.05);
        int items = a.integer("collection-items", 2000);
        Path csv = Path.of(a.str("out-csv", null));
        Path md = Path.of(a.str("out-md", null));
        Workload w = Workload.load(Path.of(a.str("images", "/work/shared/data/flickr8k/images")),
                Path.of(a.str("captions", "/work/shared/data/flickr8k/captions.tsv")),
                a.str("queries", "").isEmpty() ? null : Path.of(a.str("queries", "")), a.integer("max-images", 2000));
        a.requireAllRead();
        if (warmupS + 2 * sampleS > durationS) {
            throw new IllegalArgumentException("--duration-s must exceed --warmup-s by at least two samples");
        }

        String collection = "soak" + Long.toHexString(System.nanoTime());
        double fillS = w.fill(target, collection, items, true);
        System.err.printf("soak: filled %s with %d images in %.1f s; %d clients for %.0f s, sample every %.0f s%n",
                collection, items, fillS, clients, durationS, sampleS);
        ClosedLoop loop = new ClosedLoop().start("soak", clients, (t, seq) -> {
            int kind = (int) Math.floorMod(seq, 10L);
            if (kind < 4) {
                target.embedText(w.caption(seq));
            } else if (kind < 7) {
                target.embedImage(w.image(seq));
            } else {
                target.search(collection, w.caption(seq), 10);
            }
            if (thinkMs > 0) {
                Thread.sleep((long) thinkMs);
            }
        });
        loop.newWindow();
        long t0 = System.nanoTime();
        List<Sample> samples = new ArrayList<>();
        boolean serverGone = false;
        samples.add(sample(0, pid, agentFile, null));
        for (int i = 1; i * sampleS <= durationS + 1e-9; i++) {
            long due = t0 + (long) (i * sampleS * 1e9);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            ClosedLoop.Window win = loop.newWindow();
            Sample s = sample((System.nanoTime() - t0) / 1e9, pid, agentFile, win);
            if (Double.isNaN(s.rssMb())) {
                serverGone = true;
                System.err.println("soak: server process " + pid + " is gone");
                break;
            }
            samples.add(s);
            System.err.printf(Locale.ROOT, "soak: t=%5.0f s  rss %.1f MB  physical %.1f MB  tracked %.1f MB  heap %.1f/%.1f MB  %d req  %d err  p99 %.1f ms%n",
                    s.t(), s.rssMb(), s.physicalMb(), s.trackedMb(), s.heapUsedMb(), s.heapCommittedMb(), s.requests(), s.errors(), s.p99Ms());
        }
        loop.stop();
        target.close();
        return report(samples, warmupS, maxGrowth, serverGone, loop.firstError(), csv, md, clients, durationS, sampleS);
    }

    private static Sample sample(double t, long pid, String agentFile, ClosedLoop.Window win) {
        double[] agent = agentLine(agentFile);
        return new Sample(t, rssMb(pid), agent[0], agent[1], agent[2], agent[3],
                win == null ? 0 : win.ok.sum(), win == null ? 0 : win.failed(),
                win == null || win.ok.sum() == 0 ? Double.NaN : win.latencyMicros.getValueAtPercentile(99) / 1000.0);
    }

    private static double rssMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException e) {
            // The process has exited.
        }
        return Double.NaN;
    }

    /** physical, tracked, heap used, heap committed (MB) from the agent's last line, NaN without one. */
    private static double[] agentLine(String file) {
        double[] out = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        if (file.isEmpty()) {
            return out;
        }
        try {
            List<String> lines = Files.readAllLines(Path.of(file));
            for (int i = lines.size() - 1; i >= 0; i--) {
                String[] f = lines.get(i).trim().split("\\s+");
                if (f.length >= 6) {
                    // epochMillis physicalBytes totalBytes totalCount heapUsed heapCommitted
                    out[0] = Long.parseLong(f[1]) / 1048576.0;
                    out[1] = Long.parseLong(f[2]) / 1048576.0;
                    out[2] = Long.parseLong(f[4]) / 1048576.0;
                    out[3] = Long.parseLong(f[5]) / 1048576.0;
                    return out;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // No agent output (yet): the columns stay NaN.
        }
        return out;
    }

    private static int report(List<Sample> samples, double warmupS, double maxGrowth, boolean serverGone, String firstError,
            Path csv, Path md, int clients, double durationS, double sampleS) throws IOException {
        StringBuilder c = new StringBuilder("t_s,rss_mb,physical_mb,javacpp_tracked_mb,heap_used_mb,heap_committed_mb,requests,errors,p99_ms\n");
        for (Sample s : samples) {
            c.append(String.format(Locale.ROOT, "%.1f,%.1f,%.1f,%.1f,%.1f,%.1f,%d,%d,%.2f%n", s.t(), s.rssMb(), s.physicalMb(),
                    s.trackedMb(), s.heapUsedMb(), s.heapCommittedMb(), s.requests(), s.errors(), s.p99Ms()));
        }
        Files.writeString(csv, c.toString(), StandardCharsets.UTF_8);

        List<Sample> fitted = samples.stream().filter(s -> s.t() >= warmupS - 1e-9).toList();
        long requests = samples.stream().mapToLong(Sample::requests).sum();
        long errors = samples.stream().mapToLong(Sample::errors).sum();
        StringBuilder m = new StringBuilder();
        m.append(String.format(Locale.ROOT, "%d closed-loop clients (40 %% text, 30 %% image, 30 %% search), %.0f s, a sample every %.0f s; "
                + "trend fitted from t = %.0f s (%d samples). Requests: %d ok, %d failed (%.2f req/s).%n%n",
                clients, durationS, sampleS, warmupS, fitted.size(), requests, errors, requests / Math.max(1, samples.get(samples.size() - 1).t())));
        m.append("| series | fit start MB | fit end MB | growth | limit | verdict |\n|---|---:|---:|---:|---:|---|\n");
        boolean ok = !serverGone && requests > 0 && fitted.size() >= 2;
        ok &= trendRow(m, "RSS (/proc VmRSS)", fitted, Sample::rssMb, maxGrowth, true);
        ok &= trendRow(m, "Pointer.physicalBytes()", fitted, Sample::physicalMb, maxGrowth, true);
        trendRow(m, "Pointer.totalBytes() (JavaCPP-tracked)", fitted, Sample::trackedMb, maxGrowth, false);
        trendRow(m, "JVM heap used", fitted, Sample::heapUsedMb, maxGrowth, false);
        if (serverGone) {
            m.append("\nThe server process exited during the soak.\n");
        }
        if (firstError != null) {
            m.append("\nFirst client error: `").append(firstError.replace('\n', ' ')).append("`\n");
        }
        m.append("\n**Soak verdict: ").append(ok ? "PASS" : "FAIL").append("** (gated on RSS and physicalBytes; ")
                .append("tracked bytes and heap are shown for diagnosis).\n\n");
        m.append("| t s | RSS MB | physical MB | tracked MB | heap used MB | heap committed MB | requests | errors | p99 ms |\n");
        m.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Sample s : samples) {
            m.append(String.format(Locale.ROOT, "| %.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %d | %d | %.1f |%n", s.t(), s.rssMb(),
                    s.physicalMb(), s.trackedMb(), s.heapUsedMb(), s.heapCommittedMb(), s.requests(), s.errors(), s.p99Ms()));
        }
        Files.writeString(md, m.toString(), StandardCharsets.UTF_8);
        System.out.print(m);
        return ok ? 0 : 4;
    }

    /** Appends one row; returns whether the series is within the limit (true for an informational or absent series). */
    private static boolean trendRow(StringBuilder m, String name, List<Sample> fitted,
            java.util.function.ToDoubleFunction<Sample> f, double maxGrowth, boolean gated) {
        double[] t = fitted.stream().mapToDouble(Sample::t).toArray();
        double[] y = fitted.stream().mapToDouble(f).toArray();
        if (t.length < 2 || java.util.Arrays.stream(y).anyMatch(Double::isNaN)) {
            m.append("| ").append(name).append(" | - | - | - | - | not sampled |\n");
            return true;
        }
        LinearTrend fit = LinearTrend.fit(t, y);
        boolean within = fit.growth() <= maxGrowth;
        m.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %+.2f %% | %s | %s |%n", name, fit.at(fit.tStart()),
                fit.at(fit.tEnd()), 100 * fit.growth(), gated ? String.format(Locale.ROOT, "+%.0f %%", 100 * maxGrowth) : "info",
                gated ? (within ? "flat" : "GROWS") : "-"));
        return !gated || within;
    }
}
