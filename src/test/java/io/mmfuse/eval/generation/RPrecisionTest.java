package io.mmfuse.eval.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmfuse.InvalidInputException;
import io.mmfuse.search.FloatMatrix;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RPrecisionTest {
    private static final int D = 16;

    private static float[][] unitRows(int n, long seed) {
        Random rnd = new Random(seed);
        float[][] rows = new float[n][D];
        for (float[] row : rows) {
            double norm = 0;
            for (int k = 0; k < D; k++) {
                row[k] = (float) rnd.nextGaussian();
                norm += row[k] * row[k];
            }
            for (int k = 0; k < D; k++) {
                row[k] /= (float) Math.sqrt(norm);
            }
        }
        return rows;
    }

    private static float[][] negated(float[][] rows) {
        float[][] out = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            out[i] = rows[i].clone();
            for (int k = 0; k < D; k++) {
                out[i][k] = -out[i][k];
            }
        }
        return out;
    }

    /** {@code perImage} pool captions per image, image-major. */
    private static int[] owners(int images, int perImage) {
        int[] ids = new int[images * perImage];
        for (int j = 0; j < ids.length; j++) {
            ids[j] = j / perImage;
        }
        return ids;
    }

    @Test
    void trueCaptionNearestScoresHundredPercent() {
        float[][] images = unitRows(20, 1);
        RPrecision.Report r = RPrecision.evaluate(images, images, unitRows(200, 2), owners(20, 10), 100, 7);

        assertThat(r.queries()).isEqualTo(20);
        assertThat(r.top1()).isEqualTo(1.0);
        assertThat(r.recallAt5()).isEqualTo(1.0);
        assertThat(r.meanRank()).isEqualTo(1.0);
    }

    @Test
    void trueCaptionFarthestScoresZero() {
        float[][] images = unitRows(20, 1);
        // The antipode is at squared distance 4, beyond any other unit vector.
        RPrecision.Report r = RPrecision.evaluate(images, negated(images), unitRows(2000, 2), owners(20, 100), 100, 7);

        assertThat(r.top1()).isZero();
        assertThat(r.recallAt5()).isZero();
        assertThat(r.meanRank()).isEqualTo(100.0);
    }

    @Test
    void tiesGoAgainstTheTrueCaption() {
        float[][] same = new float[200][D];
        for (float[] row : same) {
            row[0] = 1;
        }
        float[][] images = {same[0], same[1]};
        RPrecision.Report r = RPrecision.evaluate(images, images, same, owners(2, 100), 100, 1);

        assertThat(r.top1()).isZero();
        assertThat(r.meanRank()).isEqualTo(100.0);
    }

    /**
     * Every pool caption of image i equals image i, so drawing one as a negative would tie with the
     * true caption and cost rank 1. 3 images leave 120 negatives to choose from (the shuffle path),
     * 10 images leave 540 (the rejection path).
     */
    @ParameterizedTest
    @ValueSource(ints = {3, 10})
    void negativesNeverComeFromTheSameImage(int images) {
        int perImage = 60;
        float[][] img = unitRows(images, 5);
        float[][] pool = new float[images * perImage][];
        for (int j = 0; j < pool.length; j++) {
            pool[j] = img[j / perImage].clone();
        }

        RPrecision.Report r = RPrecision.evaluate(img, img, pool, owners(images, perImage), 100, 3);

        assertThat(r.top1()).isEqualTo(1.0);
    }

    @Test
    void sameSeedSameReportAndTheSeedMatters() {
        float[][] images = unitRows(50, 10);
        float[][] captions = unitRows(50, 11);
        float[][] pool = unitRows(1000, 12);
        int[] ids = owners(50, 20);

        RPrecision.Report a = RPrecision.evaluate(images, captions, pool, ids, 100, 42);
        RPrecision.Report b = RPrecision.evaluate(images, captions, pool, ids, 100, 42);
        RPrecision.Report c = RPrecision.evaluate(images, captions, pool, ids, 100, 43);

        assertThat(b).isEqualTo(a);
        assertThat(c.meanRank()).isNotEqualTo(a.meanRank());
        // Random embeddings: the true caption is an average candidate.
        assertThat(a.meanRank()).isBetween(35.0, 65.0);
    }

    @Test
    void trueCaptionsCanBePoolRows() {
        float[][] pool = unitRows(500, 3);
        int[] ids = owners(100, 5);
        FloatMatrix poolMatrix = FloatMatrix.of(pool);
        int[] trueRow = new int[100];
        float[][] trueCaptions = new float[100][];
        for (int i = 0; i < 100; i++) {
            trueRow[i] = 5 * i + 2;
            trueCaptions[i] = pool[trueRow[i]];
        }
        FloatMatrix images = FloatMatrix.of(unitRows(100, 4));

        RPrecision.Report byIndex = RPrecision.evaluate(images, trueRow, poolMatrix, ids, 100, 9);
        RPrecision.Report byRows = RPrecision.evaluate(images, FloatMatrix.of(trueCaptions), poolMatrix, ids, 100, 9);

        assertThat(byIndex).isEqualTo(byRows);
        assertThatThrownBy(() -> RPrecision.evaluate(images, new int[100], poolMatrix, ids, 100, 9))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("trueCaption[1]");
    }

    @Test
    void fewerThanNinetyNineOtherCaptionsIsAClearError() {
        float[][] images = unitRows(2, 1);
        assertThatThrownBy(() -> RPrecision.evaluate(images, images, unitRows(98, 2), new int[98], 100, 1))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("pool").hasMessageContaining("99");
        // 100 captions, but image 0 owns two of them: 98 left for it.
        int[] ids = new int[100];
        ids[0] = 0;
        ids[1] = 0;
        for (int j = 2; j < 100; j++) {
            ids[j] = 1;
        }
        assertThatThrownBy(() -> RPrecision.evaluate(images, images, unitRows(100, 2), ids, 100, 1))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("image 0 has only 98");
    }

    @Test
    void rejectsShapeMismatchesAndNonFiniteValues() {
        float[][] images = unitRows(2, 1);
        float[][] pool = unitRows(200, 2);
        assertThatThrownBy(() -> RPrecision.evaluate(images, unitRows(3, 1), pool, owners(2, 100), 100, 1))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("trueCaptions");
        float[][] bad = unitRows(2, 1);
        bad[1][3] = Float.NaN;
        assertThatThrownBy(() -> RPrecision.evaluate(bad, images, pool, owners(2, 100), 100, 1))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("images[1]");
    }

    @Test
    void reportSerialisesAndPrints() throws Exception {
        RPrecision.Report r = new RPrecision.Report(1000, 100, 42, 0.123, 0.4, 12.25);

        assertThat(new ObjectMapper().readTree(r.toJson()).get("top1").asDouble()).isCloseTo(0.123, within(1e-12));
        assertThat(r.markdownRow("gan")).isEqualTo("| gan | 1000 | 12.3 % | 40.0 % | 12.3 |");
    }
}
