package io.mmfuse.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmfuse.Cancellation;
import io.mmfuse.gan.Sampling;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** What a generate request's deadline does to the work already running for it. */
class GenerationServiceTest {
    /** "slow" prompts take up to STEPS steps of 5 ms (a long refinement), asking the cancellation before each. */
    static final class SteppingGenerator implements ImageGenerator {
        static final int STEPS = 4000;
        final AtomicInteger stepsRun = new AtomicInteger();
        final CountDownLatch slowEnded = new CountDownLatch(1);

        @Override
        public byte[] generatePng(String prompt, int samples, long seed, Sampling sampling, Cancellation cancel) {
            if (prompt.startsWith("slow")) {
                try {
                    for (int step = 0; step < STEPS; step++) {
                        cancel.check("refining images");
                        stepsRun.incrementAndGet();
                        Thread.sleep(5);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    slowEnded.countDown();
                }
            }
            return ("PNG|" + prompt).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aRequestPastItsDeadlineStopsItsRunningWorkAndTheNextRequestIsServed() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SteppingGenerator g = new SteppingGenerator();
        try (EmbeddingService checks = new EmbeddingService(new FakeModel(), BatchingConfig.defaults(), HttpApiTest.LIMITS, registry);
                GenerationService service = new GenerationService(g, null, checks, BatchingConfig.defaults(), registry)) {
            Throwable late = catchThrowable(() -> service.generate("slow refine", 4, 1L, Sampling.DEFAULT.withRefineSteps(500),
                    Duration.ofMillis(200)));
            assertThat(ErrorMapping.of(late).code()).as("%s", late).isEqualTo("DEADLINE_EXCEEDED");
            // the 4000 steps would take 20 s; stopped at the deadline, the work ends within a step of it
            assertThat(g.slowEnded.await(10, TimeUnit.SECONDS)).as("slow work ended after %d steps", g.stepsRun.get()).isTrue();
            assertThat(g.stepsRun.get()).isLessThan(SteppingGenerator.STEPS / 2);
            assertThat(service.generate("a red circle", 1, 1L, Sampling.DEFAULT, Duration.ofSeconds(5)))
                    .isEqualTo("PNG|a red circle".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void cancelledWorkIsReportedAsADeadlineAtTheEdges() {
        assertThat(ErrorMapping.of(new io.mmfuse.CancelledException("refining images: cancelled before it finished")))
                .satisfies(e -> {
                    assertThat(e.code()).isEqualTo("DEADLINE_EXCEEDED");
                    assertThat(e.httpStatus()).isEqualTo(504);
                });
    }
}
