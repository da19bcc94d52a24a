package io.mmfuse.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.mmfuse.MmfuseException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.bytedeco.javacpp.PointerScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Groups inputs submitted concurrently by many requests into batches for one model operation and
 * runs them on a dedicated worker thread, so native memory is allocated and freed on that thread
 * (one {@link PointerScope} per batch).
 *
 * <p>A batch runs as soon as it holds {@link BatchingConfig#maxBatchSize()} inputs, or a preferred
 * size, or at least as many inputs as the previous batch had, or when its oldest input has waited
 * {@link BatchingConfig#maxWait()}. The third rule makes the wait adaptive: a lone client never
 * waits for company that is not coming (a fixed 2 ms wait made batching 3x slower than no batching
 * at concurrency 1, bench/results/server-2026-11-26-vm.md), while under concurrent load the worker
 * still waits up to maxWait whenever fewer inputs than last time have arrived.
 * Each input completes through its own future; when the model throws, only the inputs of that
 * batch fail, with that error. Admission is all-or-nothing per request and bounded by
 * {@link BatchingConfig#queueCapacity()}: a request that does not fit is rejected at once with
 * {@link OverloadedException}. An input whose deadline passes fails with
 * {@link DeadlineExceededException} and, if still queued, is never run.
 *
 * <p>Metrics (tag {@code batcher=<name>}): {@code mmfuse.batcher.inputs} (counter by outcome),
 * {@code mmfuse.batcher.batch.size}, {@code mmfuse.batcher.batch.duration},
 * {@code mmfuse.batcher.queue.time}, {@code mmfuse.batcher.queue.depth}.
 */
public final class DynamicBatcher<I, O> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DynamicBatcher.class);

    /** Runs one batch: returns exactly one output per input, in order. */
    @FunctionalInterface
    public interface BatchFunction<I, O> {
        List<O> apply(List<I> inputs) throws Exception;
    }

    private static final class Pending<I, O> {
        final I input;
        final CompletableFuture<O> future = new CompletableFuture<>();
        final long enqueuedNanos;
        ScheduledFuture<?> timer;

        Pending(I input, long enqueuedNanos) {
            this.input = input;
            this.enqueuedNanos = enqueuedNanos;
        }
    }

    private final String name;
    private final BatchingConfig config;
    private final BatchFunction<I, O> function;
    private final Set<Integer> preferred;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition arrived = lock.newCondition();
    private final ArrayDeque<Pending<I, O>> queue = new ArrayDeque<>();
    private final ScheduledExecutorService deadlines;
    private final Thread worker;
    private boolean accepting = true;
    /** Inputs in the previous batch; read and written by the worker thread only. */
    private int lastBatchSize = 1;
    /** Smoothed batch run time, for the Retry-After hint. */
    private volatile double avgBatchNanos = 1e6;

    private final Counter completed;
    private final Counter failed;
    private final Counter rejected;
    private final Counter expired;
    private final DistributionSummary batchSize;
    private final Timer batchDuration;
    private final Timer queueTime;

    public DynamicBatcher(String name, BatchingConfig config, BatchFunction<I, O> function, MeterRegistry registry) {
        this.name = name;
        this.config = config;
        this.function = function;
        this.preferred = new HashSet<>(config.preferredBatchSizes());
        this.completed = counter(registry, "ok");
        this.failed = counter(registry, "failed");
        this.rejected = counter(registry, "rejected");
        this.expired = counter(registry, "deadline_exceeded");
        this.batchSize = DistributionSummary.builder("mmfuse.batcher.batch.size").description("Inputs per model call")
                .tag("batcher", name).publishPercentileHistogram().minimumExpectedValue(1.0)
                .maximumExpectedValue((double) Math.max(2, config.maxBatchSize())).register(registry);
        this.batchDuration = Timer.builder("mmfuse.batcher.batch.duration").description("Model time per batch")
                .tag("batcher", name).publishPercentileHistogram().register(registry);
        this.queueTime = Timer.builder("mmfuse.batcher.queue.time").description("Time from submission to the start of its batch")
                .tag("batcher", name).publishPercentileHistogram().register(registry);
        Gauge.builder("mmfuse.batcher.queue.depth", this, DynamicBatcher::queueDepth).description("Inputs waiting")
                .tag("batcher", name).register(registry);
        this.deadlines = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "mmfuse-deadlines-" + name);
            t.setDaemon(true);
            return t;
        });
        this.worker = new Thread(this::work, "mmfuse-batcher-" + name);
        this.worker.setDaemon(true);
        this.worker.start();
    }

    private Counter counter(MeterRegistry registry, String outcome) {
        return Counter.builder("mmfuse.batcher.inputs").description("Inputs by outcome").tag("batcher", name)
                .tag("outcome", outcome).register(registry);
    }

    public String name() {
        return name;
    }

    public BatchingConfig config() {
        return config;
    }

    /** Inputs waiting for a batch. */
    public int queueDepth() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    public CompletableFuture<O> submit(I input, Duration timeout) {
        return submitAll(List.of(input), timeout).get(0);
    }

    /**
     * Queues all inputs of one request, or none: throws {@link OverloadedException} if they do not
     * fit, {@link UnavailableException} after {@link #close()}. {@code timeout} (null for the
     * default) can only shorten {@link BatchingConfig#defaultDeadline()}.
     */
    public List<CompletableFuture<O>> submitAll(List<I> inputs, Duration timeout) {
        Duration deadline = effectiveDeadline(timeout);
        long now = System.nanoTime();
        List<Pending<I, O>> pending = new ArrayList<>(inputs.size());
        for (I input : inputs) {
            pending.add(new Pending<>(input, now));
        }
        lock.lock();
        try {
            if (!accepting) {
                throw new UnavailableException(name + ": shutting down");
            }
            if (queue.size() + pending.size() > config.queueCapacity()) {
                rejected.increment(pending.size());
                throw new OverloadedException(name + ": queue full (" + queue.size() + " of " + config.queueCapacity()
                        + " waiting, request brings " + pending.size() + ")", retryAfter());
            }
            queue.addAll(pending);
            arrived.signal();
        } finally {
            lock.unlock();
        }
        List<CompletableFuture<O>> futures = new ArrayList<>(pending.size());
        for (Pending<I, O> p : pending) {
            p.timer = deadlines.schedule(() -> expire(p, deadline), deadline.toNanos(), TimeUnit.NANOSECONDS);
            p.future.whenComplete((r, e) -> p.timer.cancel(false));
            futures.add(p.future);
        }
        return futures;
    }

    /** The deadline a request gets: the default, or less if it asked for less. */
    public Duration effectiveDeadline(Duration requested) {
        Duration def = config.defaultDeadline();
        if (requested == null || requested.isNegative() || requested.isZero() || requested.compareTo(def) > 0) {
            return def;
        }
        return requested;
    }

    private void expire(Pending<I, O> p, Duration deadline) {
        if (p.future.completeExceptionally(new DeadlineExceededException(
                name + ": deadline of " + deadline.toMillis() + " ms exceeded"))) {
            expired.increment();
        }
    }

    private Duration retryAfter() {
        double batchesAhead = Math.ceil((double) queue.size() / config.maxBatchSize());
        long seconds = (long) Math.ceil(batchesAhead * avgBatchNanos / 1e9);
        return Duration.ofSeconds(Math.max(1, seconds));
    }

    private void work() {
        while (true) {
            List<Pending<I, O>> batch;
            try {
                batch = nextBatch();
            } catch (InterruptedException e) {
                failRemaining(new UnavailableException(name + ": shut down before this input ran"));
                return;
            }
            if (batch == null) {
                return;
            }
            run(batch);
        }
    }

    /** Blocks for the next batch; null once closed and drained. */
    private List<Pending<I, O>> nextBatch() throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty()) {
                if (!accepting) {
                    return null;
                }
                arrived.await();
            }
            long dispatchAt = queue.peekFirst().enqueuedNanos + config.maxWait().toNanos();
            while (accepting) {
                int n = queue.size();
                if (n >= config.maxBatchSize() || preferred.contains(n) || n >= lastBatchSize) {
                    break;
                }
                long wait = dispatchAt - System.nanoTime();
                if (wait <= 0) {
                    break;
                }
                arrived.awaitNanos(wait);
            }
            int take = Math.min(queue.size(), config.maxBatchSize());
            List<Pending<I, O>> batch = new ArrayList<>(take);
            for (int i = 0; i < take; i++) {
                batch.add(queue.pollFirst());
            }
            lastBatchSize = take;
            return batch;
        } finally {
            lock.unlock();
        }
    }

    private void run(List<Pending<I, O>> batch) {
        long start = System.nanoTime();
        // Inputs whose deadline passed (or whose caller gave up) while queued are not run.
        batch.removeIf(p -> p.future.isDone());
        if (batch.isEmpty()) {
            return;
        }
        List<I> inputs = new ArrayList<>(batch.size());
        for (Pending<I, O> p : batch) {
            inputs.add(p.input);
            queueTime.record(start - p.enqueuedNanos, TimeUnit.NANOSECONDS);
        }
        batchSize.record(batch.size());
        List<O> outputs;
        try (PointerScope scope = new PointerScope()) {
            outputs = function.apply(inputs);
        } catch (Throwable e) {
            long took = System.nanoTime() - start;
            batchDuration.record(took, TimeUnit.NANOSECONDS);
            MmfuseException error = e instanceof MmfuseException me ? me
                    : new MmfuseException(name + ": batch of " + batch.size() + " failed: " + e, e);
            if (!(e instanceof MmfuseException)) {
                LOG.warn("{}: batch of {} failed", name, batch.size(), e);
            }
            // Even an Error fails only this batch: the worker lives on, so later requests are served.
            for (Pending<I, O> p : batch) {
                if (p.future.completeExceptionally(error)) {
                    failed.increment();
                }
            }
            return;
        }
        long took = System.nanoTime() - start;
        batchDuration.record(took, TimeUnit.NANOSECONDS);
        avgBatchNanos = 0.8 * avgBatchNanos + 0.2 * took;
        if (outputs == null || outputs.size() != batch.size()) {
            MmfuseException error = new MmfuseException(name + ": model returned " + (outputs == null ? "null" : outputs.size())
                    + " results for " + batch.size() + " inputs");
            batch.forEach(p -> p.future.completeExceptionally(error));
            failed.increment(batch.size());
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            if (batch.get(i).future.complete(outputs.get(i))) {
                completed.increment();
            }
        }
    }

    private void failRemaining(MmfuseException error) {
        lock.lock();
        try {
            for (Pending<I, O> p : queue) {
                p.future.completeExceptionally(error);
            }
            queue.clear();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops admission, lets the worker finish everything queued (up to {@code drainTimeout}), then
     * fails whatever is left with {@link UnavailableException}.
     */
    public void close(Duration drainTimeout) {
        lock.lock();
        try {
            accepting = false;
            arrived.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            worker.join(Math.max(1, drainTimeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (worker.isAlive()) {
            LOG.warn("{}: still busy after {} ms of draining; failing what is queued", name, drainTimeout.toMillis());
            worker.interrupt();
            failRemaining(new UnavailableException(name + ": shut down before this input ran"));
        }
        deadlines.shutdownNow();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
