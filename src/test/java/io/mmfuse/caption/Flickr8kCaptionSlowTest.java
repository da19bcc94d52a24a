package io.mmfuse.caption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mmfuse.api.Datasets;
import io.mmfuse.data.Dataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Trains the caption decoder on Flickr8k train embeddings of a trained retrieval checkpoint and
 * reports BLEU-1/4 on the 1,000 test images (5 references each) for retrieval top-1, greedy and
 * beam search. Needs a retrieval checkpoint:
 *
 * <pre>
 * mvn -P '!cuda' -Pslow test -Dtest=Flickr8kCaptionSlowTest \
 *     -Dmmfuse.caption.retrieval=runs/flickr8k/checkpoint [-Dmmfuse.caption.minutes=20] \
 *     [-Dmmfuse.caption.out=target/caption-flickr8k]
 * </pre>
 *
 * With {@code -Dmmfuse.caption.checkpoint=CAPTIONER_DIR} it only evaluates that captioner.
 */
@Tag("slow")
class Flickr8kCaptionSlowTest {
    private static final Path DATA = Path.of("/work/shared/data/flickr8k");

    @Test
    void trainsAndEvaluatesOnTheTestSplit() {
        String retrieval = setting("mmfuse.caption.retrieval", null);
        assumeTrue(Files.isDirectory(DATA), "Flickr8k not available at " + DATA);
        assumeTrue(retrieval != null && Files.isDirectory(Path.of(retrieval)),
                "no retrieval checkpoint: set -Dmmfuse.caption.retrieval=DIR");
        double minutes = Double.parseDouble(setting("mmfuse.caption.minutes", "20"));
        int beamWidth = Integer.parseInt(setting("mmfuse.caption.beam", "3"));
        Path out = Path.of(setting("mmfuse.caption.out", "target/caption-flickr8k"));
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());

        Dataset dataset = Datasets.open(DATA);
        String existing = setting("mmfuse.caption.checkpoint", null);
        Path checkpoint;
        if (existing != null) {
            checkpoint = Path.of(existing); // evaluate only
        } else {
            CaptionTrainConfig train = CaptionTrainConfig.builder().epochs(50).threads(threads)
                    .timeBudget(Duration.ofMillis((long) (minutes * 60_000))).build();
            CaptionTrainingRequest request = new CaptionTrainingRequest(dataset, Path.of(retrieval),
                    CaptionDecoderConfig.defaults(), train, 5, 10_000, threads, out);
            CaptionTrainingJob.Outcome outcome = CaptionTrainingJob.run(request, new ConsoleCaptionProgress(),
                    System.out::println);
            // Uniform guessing over the vocabulary costs ln(V) nats per token.
            assertThat(outcome.result().bestValidationLoss()).isLessThan(0.6 * Math.log(outcome.vocabularySize()));
            checkpoint = outcome.checkpoint();
        }

        try (ImageToText captioner = ImageToText.load(checkpoint)) {
            CaptionEvaluation.Report report = CaptionEvaluation.evaluate(captioner, "test", dataset.test(), beamWidth,
                    threads, System.out::println);
            report.writeJson(out.resolve("caption-eval-test.json"));
            report.examples().forEach(e -> System.out.println(e.image() + "\n  ref:       " + e.references().get(0)
                    + "\n  retrieval: " + e.retrieval() + "\n  greedy:    " + e.greedy() + "\n  beam:      " + e.beam()));
            assertThat(report.images()).isEqualTo(1000);
            assertThat(report.references()).isEqualTo(5000);
            assertThat(report.greedy().bleu1()).isGreaterThan(0.3);
            assertThat(report.beam().bleu4()).isGreaterThan(0.0);
        }
    }

    private static String setting(String name, String fallback) {
        String v = System.getProperty(name);
        if (v == null) {
            v = System.getenv(name.toUpperCase().replace('.', '_'));
        }
        return v == null || v.isBlank() ? fallback : v;
    }
}
