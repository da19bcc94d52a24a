package io.mmfuse.eval;

import java.util.Locale;

/**
 * Cross-modal retrieval quality, both directions. Recalls are fractions in [0, 1]; median ranks
 * are 1-based (1 = the right item came first). Jackson serialises it as plain fields.
 *
 * @param images number of images ranked
 * @param captions number of captions ranked
 * @param textToImage each caption queries all images; hit if its image is in the top K
 * @param imageToText each image (that has captions) queries all captions; hit if any of its
 *     captions is in the top K
 */
public record RetrievalReport(int images, int captions, Direction textToImage, Direction imageToText) {

    /**
     * @param queries how many queries were ranked
     * @param recallAt1 fraction of queries with a hit at rank 1
     * @param recallAt5 ... within the top 5
     * @param recallAt10 ... within the top 10
     * @param medianRank median over queries of the first correct rank (mean of the middle two for
     *     an even count)
     * @param meanRank mean of the same ranks
     */
    public record Direction(int queries, double recallAt1, double recallAt5, double recallAt10, double medianRank,
                            double meanRank) {
        /** Sum of the three recalls (0..3). */
        public double recallSum() {
            return recallAt1 + recallAt5 + recallAt10;
        }
    }

    /**
     * R@1+R@5+R@10 over both directions, as a fraction of its maximum (0..1): the single number the
     * trainer uses to keep the best epoch.
     */
    public double meanRecall() {
        return (textToImage.recallSum() + imageToText.recallSum()) / 6.0;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "retrieval over %d images, %d captions%n", images, captions));
        sb.append(String.format(Locale.ROOT, "%-14s %7s %6s %6s %6s %8s %9s%n",
                "direction", "queries", "R@1", "R@5", "R@10", "medRank", "meanRank"));
        row(sb, "text->image", textToImage);
        row(sb, "image->text", imageToText);
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, Direction d) {
        sb.append(String.format(Locale.ROOT, "%-14s %7d %6.3f %6.3f %6.3f %8.1f %9.1f%n",
                name, d.queries(), d.recallAt1(), d.recallAt5(), d.recallAt10(), d.medianRank(), d.meanRank()));
    }
}
