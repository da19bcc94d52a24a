package io.mmfuse.server;

import io.mmfuse.Cancellation;
import io.mmfuse.InvalidInputException;
import io.mmfuse.gan.Sampling;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Text to image and image to text for the server. Each model runs on its own worker thread behind
 * a {@link DynamicBatcher} of size 1 (a generator pass already fills the cores), so the queue
 * bound, deadlines, metrics and the worker-thread rule for native memory are the embedding
 * service's. A generate request whose deadline passes while it runs is stopped at the generator's next
 * unit of work ({@link Cancellation}), so a long refinement the caller gave up on does not hold the
 * worker from the requests queued behind it. One failed request fails only itself. Either model may be absent: its operations
 * then answer {@link NotConfiguredException}.
 */
public final class GenerationService implements AutoCloseable {
    /** Most images one generate request may ask for. */
    public static final int MAX_SAMPLES = 16;
    /** Widest beam one caption request may ask for (the library allows more, at a cost a server should not take). */
    public static final int MAX_BEAM = 10;
    /** Most retrieved captions one caption request may ask for. */
    public static final int MAX_CAPTIONS = 100;

    /** cancel: true once its caller stops waiting (its deadline, or a client that hung up), so the worker stops too. */
    private record Prompt(String text, int samples, long seed, Sampling sampling, Cancellation cancel) {
    }

    private record Picture(byte[] bytes, int k, int beam) {
    }

    /** The outcome of one input, so that a failure stays with its own request. */
    private record Attempt<T>(T value, RuntimeException error) {
        T get() {
            if (error != null) {
                throw error;
            }
            return value;
        }
    }

    private final ImageGenerator generator;
    private final ImageCaptioner captioner;
    private final EmbeddingService checks;
    private final DynamicBatcher<Prompt, Attempt<byte[]>> generate;
    private final DynamicBatcher<Picture, Attempt<ImageCaptioner.Captions>> caption;

    /**
     * @param generator null = generation off
     * @param captioner null = captioning off
     * @param checks the embedding service whose limits bound texts and images
     */
    public GenerationService(ImageGenerator generator, ImageCaptioner captioner, EmbeddingService checks,
                             BatchingConfig batching, MeterRegistry registry) {
        this.generator = generator;
        this.captioner = captioner;
        this.checks = checks;
        BatchingConfig single = batching.withPreferredBatchSizes(List.of()).withMaxBatchSize(1).withMaxWait(Duration.ZERO);
        this.generate = generator == null ? null : new DynamicBatcher<>("generate", single,
                in -> run(in, p -> generator.generatePng(p.text(), p.samples(), p.seed(), p.sampling(), p.cancel())),
                registry);
        this.caption = captioner == null ? null : new DynamicBatcher<>("caption", single,
                in -> run(in, p -> captioner.caption("image", p.bytes(), p.k(), p.beam())), registry);
    }

    /** Neither model: generate and caption answer {@link NotConfiguredException}. */
    public static GenerationService disabled(EmbeddingService checks) {
        return new GenerationService(null, null, checks, BatchingConfig.defaults(), null);
    }

    public boolean canGenerate() {
        return generator != null;
    }

    public boolean canCaption() {
        return captioner != null;
    }

    /**
     * A PNG grid of {@code samples} images for {@code text}, the caption printed under the row, drawn as
     * {@code sampling} says (its ranges are checked when it is made).
     */
    public byte[] generate(String text, int samples, long seed, Sampling sampling, Duration timeout) {
        return generate(text, samples, seed, sampling, timeout, Cancellation.NONE);
    }

    /**
     * As {@link #generate(String, int, long, Sampling, Duration)}; the work also stops when
     * {@code callerGone} says so (a gRPC client that cancelled its call).
     */
    public byte[] generate(String text, int samples, long seed, Sampling sampling, Duration timeout,
            Cancellation callerGone) {
        if (generate == null) {
            throw new NotConfiguredException("generate", "a GAN checkpoint (--gan)");
        }
        checks.checkText("text", text);
        if (samples < 1 || samples > MAX_SAMPLES) {
            throw new InvalidInputException("samples", "must be in 1.." + MAX_SAMPLES + ", got " + samples);
        }
        if (sampling == null) {
            throw new InvalidInputException("sampling", "is required");
        }
        Cancellation cancel = Cancellation.atNanoTime(System.nanoTime() + generate.effectiveDeadline(timeout).toNanos())
                .or(callerGone);
        return EmbeddingService.await(List.of(generate.submit(new Prompt(text, samples, seed, sampling, cancel), timeout)))
                .get(0).get();
    }

    /** The {@code k} nearest corpus captions and the generated captions (greedy, beam of width {@code beam}). */
    public ImageCaptioner.Captions caption(byte[] image, int k, int beam, Duration timeout) {
        if (caption == null) {
            throw new NotConfiguredException("caption", "a captioner checkpoint (--captioner)");
        }
        checks.checkImage("image", image);
        int maxK = Math.min(MAX_CAPTIONS, checks.limits().maxK());
        if (k < 1 || k > maxK) {
            throw new InvalidInputException("k", "must be in 1.." + maxK + ", got " + k);
        }
        if (beam < 1 || beam > MAX_BEAM) {
            throw new InvalidInputException("beam", "must be in 1.." + MAX_BEAM + ", got " + beam);
        }
        return EmbeddingService.await(List.of(caption.submit(new Picture(image, k, beam), timeout))).get(0).get();
    }

    private interface Call<I, O> {
        O apply(I input);
    }

    private static <I, O> List<Attempt<O>> run(List<I> inputs, Call<I, O> call) {
        List<Attempt<O>> out = new ArrayList<>(inputs.size());
        for (I in : inputs) {
            try {
                out.add(new Attempt<>(call.apply(in), null));
            } catch (RuntimeException e) {
                out.add(new Attempt<>(null, e));
            }
        }
        return out;
    }

    /** Stops admission, lets queued requests finish, then closes the models. */
    public void close(Duration drainTimeout) {
        if (generate != null) {
            generate.close(drainTimeout);
            generator.close();
        }
        if (caption != null) {
            caption.close(drainTimeout);
            captioner.close();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
