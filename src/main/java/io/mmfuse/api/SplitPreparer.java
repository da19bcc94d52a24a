package io.mmfuse.api;

import io.mmfuse.InvalidInputException;
import io.mmfuse.data.Sample;
import io.mmfuse.image.DecodedBatch;
import io.mmfuse.image.ImageDecoder;
import io.mmfuse.image.ImageSource;
import io.mmfuse.text.Vocabulary;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Decodes a split's images in parallel and tokenises its captions. A bad image or caption is
 * reported in the result and skipped; it never stops the split.
 */
public final class SplitPreparer {
    private final ImageDecoder decoder;
    private final Vocabulary vocabulary;
    private final int maxTokens;
    private final int threads;

    public SplitPreparer(ImageDecoder decoder, Vocabulary vocabulary, int maxTokens, int threads) {
        this.decoder = decoder;
        this.vocabulary = vocabulary;
        this.maxTokens = maxTokens;
        this.threads = threads;
    }

    public PreparedSplit prepare(String name, List<Sample> samples, IntConsumer progress) {
        List<ImageSource> sources = new ArrayList<>(samples.size());
        for (Sample s : samples) {
            sources.add(s.image());
        }
        DecodedBatch batch = decoder.decodeAll(sources, threads, progress == null ? i -> { } : progress);
        List<Skipped> skipped = new ArrayList<>();
        for (DecodedBatch.Failure f : batch.failures()) {
            skipped.add(new Skipped(samples.get(f.index()).imageId(), f.reason().name(), f.message()));
        }
        int floats = 3 * batch.imageSize() * batch.imageSize();
        float[] images = new float[batch.count() * floats];
        List<String> imageIds = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        List<int[]> tokens = new ArrayList<>();
        List<Integer> owner = new ArrayList<>();
        for (int i = 0; i < batch.count(); i++) {
            Sample sample = samples.get(batch.decoded().get(i).index());
            int kept = 0;
            int imageIndex = imageIds.size();
            for (int c = 0; c < sample.captions().size(); c++) {
                String caption = sample.captions().get(c);
                try {
                    tokens.add(vocabulary.encode(caption, maxTokens));
                    captions.add(caption);
                    owner.add(imageIndex);
                    kept++;
                } catch (InvalidInputException e) {
                    skipped.add(new Skipped(sample.imageId() + "#caption" + c, "BAD_CAPTION", e.getMessage()));
                }
            }
            if (kept == 0) {
                skipped.add(new Skipped(sample.imageId(), "NO_CAPTIONS", "image has no usable caption"));
                continue;
            }
            System.arraycopy(batch.data(), i * floats, images, imageIndex * floats, floats);
            imageIds.add(sample.imageId());
        }
        float[] packed = imageIds.size() == batch.count() ? images
                : java.util.Arrays.copyOf(images, imageIds.size() * floats);
        int[] captionImage = owner.stream().mapToInt(Integer::intValue).toArray();
        return new PreparedSplit(name, batch.imageSize(), packed, imageIds, captions,
                tokens.toArray(new int[0][]), captionImage, skipped);
    }
}
