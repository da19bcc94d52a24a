package io.mmfuse.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmfuse.InvalidInputException;
import io.mmfuse.search.FloatMatrix;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RetrievalMetricsTest {
    // Images at (0,0), (10,0), (0,10). Captions placed so every rank is known by hand
    // (squared distances in the comments; ties go to the lower id).
    private static final FloatMatrix IMAGES = FloatMatrix.of(new float[][] {{0, 0}, {10, 0}, {0, 10}});
    private static final FloatMatrix CAPTIONS = FloatMatrix.of(new float[][] {
            {1, 0},  // c0 -> i0: i0 1, i1 81, i2 101             rank 1
            {9, 0},  // c1 -> i0: i1 1, i0 81                       rank 2
            {10, 1}, // c2 -> i1: i1 1                              rank 1
            {0, 9},  // c3 -> i1: i2 1, i0 81, i1 181               rank 3
            {0, 11}, // c4 -> i2: i2 1                              rank 1
            {5, 5},  // c5 -> i2: all three at 50, tie -> i0,i1,i2  rank 3
    });
    private static final int[] CAPTION_IMAGE = {0, 0, 1, 1, 2, 2};

    @Test
    void textToImageRanksByHand() {
        RetrievalReport r = RetrievalMetrics.evaluate(IMAGES, CAPTIONS, CAPTION_IMAGE);
        RetrievalReport.Direction t2i = r.textToImage();
        // ranks 1,2,1,3,1,3 -> sorted 1,1,1,2,3,3
        assertThat(t2i.queries()).isEqualTo(6);
        assertThat(t2i.recallAt1()).isEqualTo(0.5);
        assertThat(t2i.recallAt5()).isEqualTo(1.0);
        assertThat(t2i.recallAt10()).isEqualTo(1.0);
        assertThat(t2i.medianRank()).isEqualTo(1.5);
        assertThat(t2i.meanRank()).isCloseTo(11.0 / 6, offset(1e-12));
    }

    @Test
    void imageToTextRanksByHand() {
        RetrievalReport r = RetrievalMetrics.evaluate(IMAGES, CAPTIONS, CAPTION_IMAGE);
        RetrievalReport.Direction i2t = r.imageToText();
        // i0: c0 1 first -> rank 1
        // i1: c1 1, c2 1 (tie, c1 lower id first), ... its best caption c2 -> rank 2
        // i2: c3 1, c4 1 (tie, c3 first) -> its best caption c4 -> rank 2
        assertThat(i2t.queries()).isEqualTo(3);
        assertThat(i2t.recallAt1()).isCloseTo(1.0 / 3, offset(1e-12));
        assertThat(i2t.recallAt5()).isEqualTo(1.0);
        assertThat(i2t.medianRank()).isEqualTo(2.0);
        assertThat(i2t.meanRank()).isCloseTo(5.0 / 3, offset(1e-12));
        assertThat(r.meanRecall()).isCloseTo((0.5 + 1 + 1 + 1.0 / 3 + 1 + 1) / 6, offset(1e-12));
    }

    @Test
    void imagesWithoutCaptionsAreNotImageToTextQueries() {
        FloatMatrix images = FloatMatrix.of(new float[][] {{0, 0}, {10, 0}, {0, 10}, {50, 50}});
        RetrievalReport r = RetrievalMetrics.evaluate(images, CAPTIONS, CAPTION_IMAGE);
        assertThat(r.imageToText().queries()).isEqualTo(3);
        assertThat(r.textToImage().recallAt1()).isEqualTo(0.5); // the far image outranks nothing
    }

    @Test
    void agreesWithASortingOracleOnRandomData() {
        Random rnd = new Random(3);
        int nImages = 40;
        int nCaptions = 100;
        int d = 6;
        FloatMatrix images = random(rnd, nImages, d);
        FloatMatrix captions = random(rnd, nCaptions, d);
        int[] captionImage = IntStream.range(0, nCaptions).map(c -> rnd.nextInt(nImages)).toArray();
        RetrievalReport r = RetrievalMetrics.evaluate(images, captions, captionImage);

        int[] t2i = new int[nCaptions];
        for (int c0 = 0; c0 < nCaptions; c0++) {
            int c = c0;
            Integer[] order = sortedBy(nImages, i -> dist(captions, c, images, i));
            t2i[c] = Arrays.asList(order).indexOf(captionImage[c]) + 1;
        }
        int[] i2t = IntStream.range(0, nImages).filter(i -> Arrays.stream(captionImage).anyMatch(x -> x == i))
                .map(i -> {
                    Integer[] order = sortedBy(nCaptions, c -> dist(captions, c, images, i));
                    for (int k = 0; k < order.length; k++) {
                        if (captionImage[order[k]] == i) {
                            return k + 1;
                        }
                    }
                    throw new AssertionError();
                }).toArray();
        assertThat(r.textToImage()).isEqualTo(RetrievalMetrics.summarise(t2i));
        assertThat(r.imageToText()).isEqualTo(RetrievalMetrics.summarise(i2t));
        assertThat(r.textToImage().recallAt10()).isGreaterThan(0); // not degenerate
    }

    @Test
    void rejectsInconsistentInputNamingIt() {
        assertThatThrownBy(() -> RetrievalMetrics.evaluate(IMAGES, CAPTIONS, new int[] {0, 0, 1}))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("captionImage");
        assertThatThrownBy(() -> RetrievalMetrics.evaluate(IMAGES, CAPTIONS, new int[] {0, 0, 1, 1, 2, 3}))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("captionImage[5]");
        assertThatThrownBy(() -> RetrievalMetrics.evaluate(IMAGES, FloatMatrix.of(new float[][] {{1, 2, 3}}), new int[] {0}))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("captions");
        FloatMatrix nan = FloatMatrix.of(new float[][] {{Float.NaN, 0}});
        assertThatThrownBy(() -> RetrievalMetrics.evaluate(IMAGES, nan, new int[] {0}))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("captions[0]");
    }

    @Test
    void reportIsReadableAndJsonFriendly() throws Exception {
        RetrievalReport r = RetrievalMetrics.evaluate(IMAGES, CAPTIONS, CAPTION_IMAGE);
        assertThat(r.toString()).contains("text->image").contains("image->text").contains("0.500");
        ObjectMapper json = new ObjectMapper();
        String text = json.writeValueAsString(r);
        assertThat(text).contains("\"recallAt1\":0.5");
        assertThat(json.readValue(text, RetrievalReport.class)).isEqualTo(r);
    }

    private static FloatMatrix random(Random rnd, int rows, int d) {
        float[] v = new float[rows * d];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return new FloatMatrix(rows, d, v);
    }

    private static double dist(FloatMatrix a, int ra, FloatMatrix b, int rb) {
        float s = 0;
        for (int k = 0; k < a.cols(); k++) {
            float diff = a.get(ra, k) - b.get(rb, k);
            s += diff * diff;
        }
        return s;
    }

    private static Integer[] sortedBy(int n, java.util.function.IntToDoubleFunction key) {
        Integer[] ids = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(ids, Comparator.<Integer>comparingDouble(key::applyAsDouble).thenComparingInt(x -> x));
        return ids;
    }
}
