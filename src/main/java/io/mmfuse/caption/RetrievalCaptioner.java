package io.mmfuse.caption;

import io.mmfuse.InvalidInputException;
import io.mmfuse.api.Indexes;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.image.ImageSource;
import io.mmfuse.search.EmbeddingIndex;
import io.mmfuse.search.FloatMatrix;
import io.mmfuse.search.Hit;
import io.mmfuse.search.SearchBackends;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captions an image with the nearest captions of a reference corpus in the retrieval model's joint
 * space (image-to-text retrieval used as captioning). The corpus is embedded once, at
 * construction; searches are exact ({@link io.mmfuse.search.VectorIndex}: squared L2 on unit
 * vectors, ties to the earlier caption).
 *
 * <p>Thread-safe for searches. Does not own the model; close it to free the index.
 */
public final class RetrievalCaptioner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RetrievalCaptioner.class);

    private final MmfuseModel model;
    private final EmbeddingIndex index;
    private final List<String> captions;

    private RetrievalCaptioner(MmfuseModel model, EmbeddingIndex index, List<String> captions) {
        this.model = model;
        this.index = index;
        this.captions = captions;
    }

    /**
     * Embeds {@code corpus} with {@code model} and indexes it on the CPU. Captions that are the same
     * word sequence for BLEU ({@link Bleu#tokens}) are kept once, first occurrence first; captions
     * the model cannot embed (no known word) are left out.
     *
     * @throws InvalidInputException ("corpus") when no caption is left
     */
    public static RetrievalCaptioner build(MmfuseModel model, List<String> corpus) {
        return build(model, corpus, SearchBackends.Preference.CPU);
    }

    public static RetrievalCaptioner build(MmfuseModel model, List<String> corpus, SearchBackends.Preference backend) {
        if (model == null) {
            throw new InvalidInputException("model", "is required");
        }
        List<String> unique = deduplicate(corpus);
        List<String> ids = new ArrayList<>(unique.size());
        for (int i = 0; i < unique.size(); i++) {
            ids.add(Integer.toString(i));
        }
        Indexes.Built built = Indexes.ofTexts(model, ids, unique);
        if (!built.skipped().isEmpty()) {
            LOG.info("{} of {} corpus captions have no word the retrieval model knows; left out",
                    built.skipped().size(), unique.size());
        }
        if (built.index().size() == 0) {
            throw new InvalidInputException("corpus", "none of the " + unique.size()
                    + " captions has a word the retrieval model knows");
        }
        EmbeddingIndex index = Indexes.open(built.index(), model, backend);
        return new RetrievalCaptioner(model, index, List.copyOf(built.index().labels()));
    }

    /**
     * The corpus with duplicates removed (same lower-case token sequence; the first spelling wins)
     * and captions without any word dropped.
     *
     * @throws InvalidInputException ("corpus") when it is null or has no caption with a word
     */
    public static List<String> deduplicate(List<String> corpus) {
        if (corpus == null || corpus.isEmpty()) {
            throw new InvalidInputException("corpus", "no caption given");
        }
        Set<List<String>> seen = new HashSet<>();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) {
            String c = corpus.get(i);
            if (c == null) {
                throw new InvalidInputException("corpus[" + i + "]", "is null");
            }
            List<String> tokens = Bleu.tokens(c);
            if (!tokens.isEmpty() && seen.add(tokens)) {
                out.add(c);
            }
        }
        if (out.isEmpty()) {
            throw new InvalidInputException("corpus", "has no caption with a word in it");
        }
        return out;
    }

    /** The indexed captions, in index order. */
    public List<String> corpus() {
        return captions;
    }

    public int size() {
        return captions.size();
    }

    /** The k nearest corpus captions of an image; a bad image throws the image decoder's exception. */
    public List<RetrievedCaption> caption(ImageSource image, int k) {
        requireK(k);
        if (image == null) {
            throw new InvalidInputException("image", "is required");
        }
        return captionAll(model.embedImage(image), k).get(0);
    }

    /** The k nearest corpus captions of one image embedding (unit vector from the same model). */
    public List<RetrievedCaption> caption(float[] imageEmbedding, int k) {
        if (imageEmbedding == null) {
            throw new InvalidInputException("imageEmbedding", "is required");
        }
        return captionAll(new FloatMatrix(1, imageEmbedding.length, imageEmbedding), k).get(0);
    }

    /** The k nearest corpus captions of each row. */
    public List<List<RetrievedCaption>> captionAll(FloatMatrix imageEmbeddings, int k) {
        requireK(k);
        if (imageEmbeddings == null || imageEmbeddings.rows() == 0) {
            throw new InvalidInputException("imageEmbeddings", "no embedding given");
        }
        if (imageEmbeddings.cols() != model.dimension()) {
            throw new InvalidInputException("imageEmbeddings", "have " + imageEmbeddings.cols()
                    + " columns, the retrieval model's dimension is " + model.dimension());
        }
        List<List<RetrievedCaption>> out = new ArrayList<>(imageEmbeddings.rows());
        for (List<Hit> hits : index.search(imageEmbeddings, k)) {
            List<RetrievedCaption> row = new ArrayList<>(hits.size());
            for (Hit h : hits) {
                row.add(new RetrievedCaption(h.rank(), h.label(), h.distance()));
            }
            out.add(row);
        }
        return out;
    }

    private void requireK(int k) {
        if (k <= 0) {
            throw new InvalidInputException("k", "must be >= 1, got " + k);
        }
        if (k > captions.size()) {
            throw new InvalidInputException("k", k + " is larger than the corpus (" + captions.size() + " captions)");
        }
    }

    @Override
    public void close() {
        index.close();
    }
}
