package io.mmfuse.bench.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/**
 * Closed-loop load: {@code concurrency} threads each send one request, wait for the answer and
 * send the next. Latency is recorded in microseconds for requests that complete inside the
 * measurement window (after the warm-up); throughput is those completions over the window
 * (counting by completion keeps a closed loop's throughput unbiased at the window edges).
 */
final class ClosedLoop {
    /** One request; {@code thread} and {@code seq} pick the payload. */
    @FunctionalInterface
    interface Op {
        void call(int thread, long seq) throws Exception;
    }

    /** What a window saw: successes and latencies, failures by code. */
    static final class Window {
        final Histogram latencyMicros = new Histogram(120_000_000L, 3);
        final LongAdder ok = new LongAdder();
        final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
        final long startNanos = System.nanoTime();

        synchronized void record(long micros) {
            latencyMicros.recordValue(Math.min(micros, 120_000_000L));
            ok.increment();
        }

        void fail(String code) {
            failures.computeIfAbsent(code, c -> new LongAdder()).increment();
        }

        long failed() {
            return failures.values().stream().mapToLong(LongAdder::sum).sum();
        }

        Map<String, Long> failureCounts() {
            Map<String, Long> out = new TreeMap<>();
            failures.forEach((k, v) -> out.put(k, v.sum()));
            return out;
        }
    }

    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;
    private volatile Window window;
    private volatile String firstError;

    /** Starts the clients; requests completing before {@link #newWindow()} is first called are not recorded. */
    ClosedLoop start(String name, int concurrency, Op op) {
        for (int t = 0; t < concurrency; t++) {
            int thread = t;
            Thread th = new Thread(() -> loop(thread, op), name + "-client-" + t);
            th.setDaemon(true);
            threads.add(th);
            th.start();
        }
        return this;
    }

    private void loop(int thread, Op op) {
        for (long seq = thread; !stop; seq += 1_000_003L) {
            long t0 = System.nanoTime();
            try {
                op.call(thread, seq);
                Window w = window;
                if (w != null && !stop) {
                    w.record((System.nanoTime() - t0) / 1000);
                }
            } catch (Target.RequestFailed e) {
                failed(e.code, e);
            } catch (Exception e) {
                failed(e.getClass().getSimpleName(), e);
            }
        }
    }

    private void failed(String code, Exception e) {
        if (firstError == null) {
            firstError = e.toString();
        }
        Window w = window;
        if (w != null && !stop) {
            w.fail(code);
        }
    }

    /** Opens a new measurement window (requests completing from now on) and returns the previous one. */
    Window newWindow() {
        Window previous = window;
        window = new Window();
        return previous;
    }

    /** Stops the clients (waits for their last request) and returns the current window. */
    Window stop() throws InterruptedException {
        Window last = window;
        stop = true;
        for (Thread t : threads) {
            t.join(120_000);
        }
        return last;
    }

    String firstError() {
        return firstError;
    }
}
