package io.mmfuse.cuda;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import io.mmfuse.search.FloatMatrix;
import org.junit.jupiter.api.Test;

/** The Java-side validation of CudaKnn; runs without a GPU. */
class KnnArgumentsTest {

    @Test
    void dimensionMustBePositive() {
        assertThatThrownBy(() -> KnnArguments.dimension(0)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("dimension");
        assertThatCode(() -> KnnArguments.dimension(1)).doesNotThrowAnyException();
    }

    @Test
    void constructorValidatesBeforeTouchingTheDevice() {
        // Holds with or without a GPU: the argument is rejected first.
        assertThatThrownBy(() -> new CudaKnn(-3)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("dimension");
        assertThatThrownBy(() -> new CudaKnn(4, null)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("options");
    }

    @Test
    void rowsNeedTheIndexDimensionAndFiniteValues() {
        assertThatThrownBy(() -> KnnArguments.rows("rows", new FloatMatrix(2, 3, new float[6]), 4))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("dimension");
        assertThatThrownBy(() -> KnnArguments.rows("queries", new FloatMatrix(1, 2, new float[] {0, Float.NaN}), 2))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("non-finite")
                .hasMessageContaining("queries[0]");
        assertThatThrownBy(() -> KnnArguments.rows("rows", null, 2)).isInstanceOf(InvalidInputException.class);
        assertThatCode(() -> KnnArguments.rows("rows", new FloatMatrix(0, 2, new float[0]), 2))
                .doesNotThrowAnyException();
    }

    @Test
    void vectorsAreCheckedLikeRows() {
        assertThatThrownBy(() -> KnnArguments.vector("vector", new float[3], 4))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("dimension");
        assertThatThrownBy(() -> KnnArguments.vector("vector", new float[] {1, Float.POSITIVE_INFINITY}, 2))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("non-finite");
        assertThatThrownBy(() -> KnnArguments.vector("vector", null, 2)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void idsMustExist() {
        assertThatThrownBy(() -> KnnArguments.id(10, 10)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("id");
        assertThatThrownBy(() -> KnnArguments.id(-1, 10)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> KnnArguments.id(0, 0)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("empty");
        assertThatCode(() -> KnnArguments.id(9, 10)).doesNotThrowAnyException();
    }

    @Test
    void kMustBeWithinTheIndex() {
        assertThatThrownBy(() -> KnnArguments.k(11, 10)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("k");
        assertThatThrownBy(() -> KnnArguments.k(0, 10)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("k");
        assertThatThrownBy(() -> KnnArguments.k(1, 0)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("empty");
        assertThatCode(() -> KnnArguments.k(10, 10)).doesNotThrowAnyException();
        assertThatCode(() -> KnnArguments.k(5000, 1_000_000)).doesNotThrowAnyException();
    }

    @Test
    void sizesMustFitJavaArraysAndIds() {
        assertThatThrownBy(() -> KnnArguments.growth(Integer.MAX_VALUE - 1, 2)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("rows");
        assertThatThrownBy(() -> KnnArguments.resultSize(3_000_000, 1024)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("queries");
        assertThatCode(() -> KnnArguments.resultSize(1024, 1024)).doesNotThrowAnyException();
    }

    @Test
    void optionsRejectNonsense() {
        assertThatThrownBy(() -> new CudaKnn.Options(-1, CudaKnn.Mode.AUTO, 1, 1))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("device");
        assertThatThrownBy(() -> new CudaKnn.Options(0, null, 1, 1)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> CudaKnn.Options.defaults().withQueryBatch(0)).isInstanceOf(InvalidInputException.class);
    }
}
