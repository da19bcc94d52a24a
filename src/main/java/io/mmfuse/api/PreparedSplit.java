package io.mmfuse.api;

import java.util.List;

/**
 * One dataset split turned into model inputs: decoded images (N×3×S×S, normalised) and tokenised
 * captions pointing at their image. Items that could not be used are listed in {@link #skipped()}.
 */
public record PreparedSplit(String name, int imageSize, float[] images, List<String> imageIds,
        List<String> captions, int[][] captionTokens, int[] captionImage, List<Skipped> skipped) {

    public PreparedSplit {
        imageIds = List.copyOf(imageIds);
        captions = List.copyOf(captions);
        skipped = List.copyOf(skipped);
    }

    public int imageCount() {
        return imageIds.size();
    }

    public int captionCount() {
        return captions.size();
    }
}
