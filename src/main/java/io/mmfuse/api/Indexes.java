package io.mmfuse.api;

import io.mmfuse.InvalidInputException;
import io.mmfuse.image.ImageSource;
import io.mmfuse.search.EmbeddingIndex;
import io.mmfuse.search.FloatMatrix;
import io.mmfuse.search.SearchBackends;
import io.mmfuse.search.StoredIndex;
import java.util.ArrayList;
import java.util.List;

/** Builds searchable indexes with a model, and opens them only for the model that built them. */
public final class Indexes {
    private Indexes() {
    }

    public record Built(StoredIndex index, List<Skipped> skipped) {
    }

    /** Embeds images (bad ones skipped and listed); ids and labels are the images' names. */
    public static Built ofImages(MmfuseModel model, List<ImageSource> images, int threads) {
        ImageEmbeddings e = model.embedImages(images, threads);
        return new Built(new StoredIndex(model.fingerprint(), StoredIndex.Modality.IMAGE, e.names(), e.names(),
                e.vectors()), e.skipped());
    }

    /** Embeds captions; a caption the model cannot embed is skipped and listed. */
    public static Built ofTexts(MmfuseModel model, List<String> ids, List<String> texts) {
        if (ids.size() != texts.size()) {
            throw new InvalidInputException("ids", ids.size() + " ids for " + texts.size() + " texts");
        }
        List<String> keptIds = new ArrayList<>();
        List<String> keptTexts = new ArrayList<>();
        List<int[]> tokens = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            try {
                tokens.add(model.tokenize(texts.get(i), ids.get(i)));
                keptIds.add(ids.get(i));
                keptTexts.add(texts.get(i));
            } catch (InvalidInputException e) {
                skipped.add(new Skipped(ids.get(i), "BAD_TEXT", e.getMessage()));
            }
        }
        FloatMatrix vectors = tokens.isEmpty() ? new FloatMatrix(0, model.dimension(), new float[0])
                : model.embedTokens(tokens.toArray(new int[0][]));
        return new Built(new StoredIndex(model.fingerprint(), StoredIndex.Modality.TEXT, keptIds, keptTexts, vectors),
                skipped);
    }

    /** Loads a stored index into the best available search backend, refusing another model's vectors. */
    public static EmbeddingIndex open(StoredIndex stored, MmfuseModel model, SearchBackends.Preference backend) {
        if (!stored.modelFingerprint().equals(model.fingerprint())) {
            throw new InvalidInputException("index", "was built by another model (fingerprint "
                    + shortFp(stored.modelFingerprint()) + ", this checkpoint is " + shortFp(model.fingerprint())
                    + "): rebuild it with this checkpoint");
        }
        if (stored.size() == 0) {
            throw new InvalidInputException("index", "is empty");
        }
        return new EmbeddingIndex(stored, SearchBackends.open(stored.vectors().cols(), backend));
    }

    private static String shortFp(String fp) {
        return fp.length() > 12 ? fp.substring(0, 12) : fp;
    }
}
