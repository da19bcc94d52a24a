package io.mmfuse.api;

import io.mmfuse.data.Sample;
import io.mmfuse.eval.RetrievalMetrics;
import io.mmfuse.eval.RetrievalReport;
import io.mmfuse.search.FloatMatrix;
import java.util.List;

/**
 * Retrieval quality of a model on a split: every caption retrieves among the split's images and
 * every image among its captions (Recall@1/5/10, median rank).
 */
public final class Evaluation {
    private Evaluation() {
    }

    public record Result(RetrievalReport report, PreparedSplit split, double imagesPerSecond, double captionsPerSecond) {
    }

    public static Result evaluate(MmfuseModel model, String splitName, List<Sample> samples, int threads) {
        PreparedSplit split = new SplitPreparer(model.imageDecoder(), model.vocabulary(), model.config().maxTokens(),
                threads).prepare(splitName, samples, null);
        long t0 = System.nanoTime();
        FloatMatrix images = model.embedDecoded(split.images(), split.imageCount());
        long t1 = System.nanoTime();
        FloatMatrix captions = model.embedTokens(split.captionTokens());
        long t2 = System.nanoTime();
        RetrievalReport report = RetrievalMetrics.evaluate(images, captions, split.captionImage());
        return new Result(report, split, split.imageCount() / ((t1 - t0) / 1e9), split.captionCount() / ((t2 - t1) / 1e9));
    }
}
