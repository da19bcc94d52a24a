package io.mmfuse.server;

import io.mmfuse.api.ImageEmbeddings;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.api.Skipped;
import io.mmfuse.image.ImageDecoder;
import io.mmfuse.image.ImageSource;
import io.mmfuse.search.FloatMatrix;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;

/**
 * Serves a trained checkpoint ({@link MmfuseModel}) through the server's {@link EmbeddingModel}.
 * {@link #close()} stops its decode threads; the {@link MmfuseModel} stays open (its loader closes it).
 */
public final class CheckpointEmbeddingModel implements EmbeddingModel {
    private final MmfuseModel model;
    private final int decodeThreads;
    /** Long-lived: fresh decode threads per batch grew the server's RSS under mixed load. */
    private final ExecutorService decodePool;

    public CheckpointEmbeddingModel(MmfuseModel model, int decodeThreads) {
        this.model = model;
        this.decodeThreads = decodeThreads;
        this.decodePool = ImageDecoder.newDecodePool(decodeThreads);
    }

    @Override
    public String fingerprint() {
        return model.fingerprint();
    }

    @Override
    public int dimension() {
        return model.dimension();
    }

    @Override
    public FloatMatrix embedTexts(List<String> texts) {
        return model.embedTexts(texts);
    }

    @Override
    public List<ImageEmbedding> embedImages(List<byte[]> images) {
        List<ImageSource> sources = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            sources.add(ImageSource.of("images[" + i + "]", images.get(i)));
        }
        ImageEmbeddings e = model.embedImages(sources, decodePool, decodeThreads);
        Map<String, String> failures = new HashMap<>();
        for (Skipped s : e.skipped()) {
            failures.put(s.input(), s.message());
        }
        Map<String, Integer> row = new HashMap<>();
        for (int i = 0; i < e.names().size(); i++) {
            row.put(e.names().get(i), i);
        }
        List<ImageEmbedding> out = new ArrayList<>(images.size());
        for (ImageSource s : sources) {
            Integer r = row.get(s.name());
            out.add(r != null ? new ImageEmbedding.Success(e.vectors().row(r))
                    : new ImageEmbedding.Failure(failures.getOrDefault(s.name(), "not decoded")));
        }
        return out;
    }

    @Override
    public void close() {
        decodePool.shutdown();
    }

    /** Runs both encoders once with inputs the vocabulary is sure to know, so the first request is not slow. */
    @Override
    public void warmUp() {
        model.embedTokens(new int[][] {{2, 3}});
        int s = model.config().imageSize();
        model.embedDecoded(new float[3 * s * s], 1);
    }
}
