package io.mmfuse.eval.generation;

import static io.mmfuse.eval.generation.Scenes.cs;
import static io.mmfuse.eval.generation.Scenes.pair;
import static io.mmfuse.eval.generation.Scenes.shape;
import static io.mmfuse.eval.generation.Scenes.single;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import io.mmfuse.data.SceneSpec;
import io.mmfuse.data.SceneSpec.Colour;
import io.mmfuse.data.SceneSpec.Relation;
import io.mmfuse.data.SceneSpec.Shape;
import io.mmfuse.data.SceneSpec.ShapeSpec;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SceneAttributesTest {
    private static final ShapeSpec RED_CIRCLE_TOP = shape(Colour.RED, Shape.CIRCLE, 30, 12);
    private static final ShapeSpec BLUE_SQUARE_BOTTOM = shape(Colour.BLUE, Shape.SQUARE, 34, 50);

    @Test
    void bothWordingsOfAVerticalPairGiveTheSameAttributes() {
        SceneSpec above = pair(RED_CIRCLE_TOP, Relation.ABOVE, BLUE_SQUARE_BOTTOM);
        SceneSpec below = pair(BLUE_SQUARE_BOTTOM, Relation.BELOW, RED_CIRCLE_TOP);

        SceneAttributes a = SceneAttributes.of(above, 64);

        assertThat(SceneAttributes.of(below, 64)).isEqualTo(a);
        assertThat(a.count()).isEqualTo(2);
        assertThat(a.axis()).isEqualTo(RelationAxis.VERTICAL);
        assertThat(a.slots()).containsExactly(cs(Colour.RED, Shape.CIRCLE), cs(Colour.BLUE, Shape.SQUARE));
        assertThat(a.region()).isEqualTo(Region.NONE);
    }

    @Test
    void horizontalPairsPutTheLeftObjectFirst() {
        ShapeSpec greenLeft = shape(Colour.GREEN, Shape.TRIANGLE, 10, 30);
        ShapeSpec whiteRight = shape(Colour.WHITE, Shape.CROSS, 50, 34);

        SceneAttributes leftOf = SceneAttributes.of(pair(greenLeft, Relation.LEFT_OF, whiteRight), 64);
        SceneAttributes rightOf = SceneAttributes.of(pair(whiteRight, Relation.RIGHT_OF, greenLeft), 64);

        assertThat(rightOf).isEqualTo(leftOf);
        assertThat(leftOf.axis()).isEqualTo(RelationAxis.HORIZONTAL);
        assertThat(leftOf.slots()).containsExactly(cs(Colour.GREEN, Shape.TRIANGLE), cs(Colour.WHITE, Shape.CROSS));
    }

    @Test
    void theAxisTellsVerticalFromHorizontalWithTheSameObjectsInTheSameSlots() {
        SceneAttributes vertical = SceneAttributes.of(pair(RED_CIRCLE_TOP, Relation.ABOVE, BLUE_SQUARE_BOTTOM), 64);
        ShapeSpec redLeft = shape(Colour.RED, Shape.CIRCLE, 10, 30);
        ShapeSpec blueRight = shape(Colour.BLUE, Shape.SQUARE, 50, 30);
        SceneAttributes horizontal = SceneAttributes.of(pair(redLeft, Relation.LEFT_OF, blueRight), 64);

        assertThat(horizontal.slots()).isEqualTo(vertical.slots());
        assertThat(horizontal).isNotEqualTo(vertical);
    }

    @Test
    void swappingTheObjectsOfAPairChangesTheSlotOrder() {
        SceneAttributes redAbove = SceneAttributes.of(pair(RED_CIRCLE_TOP, Relation.ABOVE, BLUE_SQUARE_BOTTOM), 64);
        ShapeSpec blueTop = shape(Colour.BLUE, Shape.SQUARE, 30, 12);
        ShapeSpec redBottom = shape(Colour.RED, Shape.CIRCLE, 34, 50);
        SceneAttributes blueAbove = SceneAttributes.of(pair(blueTop, Relation.ABOVE, redBottom), 64);

        assertThat(blueAbove.slots()).containsExactly(cs(Colour.BLUE, Shape.SQUARE), cs(Colour.RED, Shape.CIRCLE));
        assertThat(blueAbove).isNotEqualTo(redAbove);
    }

    /** col = min(2, x * 3 / size): with 64 px, 21 -> 0, 22 -> 1, 42 -> 1, 43 -> 2; with 100 px, 33 / 34 and 66 / 67. */
    @ParameterizedTest
    @CsvSource({
        "64, 0, 0", "64, 21, 0", "64, 22, 1", "64, 42, 1", "64, 43, 2", "64, 63, 2",
        "100, 33, 0", "100, 34, 1", "100, 66, 1", "100, 67, 2", "100, 99, 2",
    })
    void singleObjectRegionsFollowTheCaptionRuleAtCellBorders(int size, int coordinate, int cell) {
        SceneAttributes byColumn = SceneAttributes.of(single(Colour.RED, Shape.CIRCLE, coordinate, 0), size);
        SceneAttributes byRow = SceneAttributes.of(single(Colour.RED, Shape.CIRCLE, 0, coordinate), size);

        assertThat(byColumn.region()).isEqualTo(Region.cell(cell));
        assertThat(byRow.region()).isEqualTo(Region.cell(3 * cell));
        assertThat(byColumn.count()).isEqualTo(1);
        assertThat(byColumn.axis()).isEqualTo(RelationAxis.NONE);
    }

    @Test
    void regionNamesAreRowMajor() {
        assertThat(Region.of(5, 5, 64)).isEqualTo(Region.TOP_LEFT);
        assertThat(Region.of(60, 5, 64)).isEqualTo(Region.TOP_RIGHT);
        assertThat(Region.of(32, 32, 64)).isEqualTo(Region.MIDDLE);
        assertThat(Region.of(5, 60, 64)).isEqualTo(Region.BOTTOM_LEFT);
        assertThat(Region.of(32, 60, 64).phrase()).isEqualTo("at the bottom");
    }

    @Test
    void rejectsCentresOutsideTheImageAndInconsistentAttributes() {
        assertThatThrownBy(() -> SceneAttributes.of(single(Colour.RED, Shape.CIRCLE, 64, 10), 64))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("centre");
        assertThatThrownBy(() -> new SceneAttributes(2, RelationAxis.NONE,
                List.of(cs(Colour.RED, Shape.CIRCLE), cs(Colour.BLUE, Shape.CIRCLE)), Region.NONE))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("axis");
        assertThatThrownBy(() -> new SceneAttributes(1, RelationAxis.NONE, List.of(cs(Colour.RED, Shape.CIRCLE)),
                Region.NONE)).isInstanceOf(InvalidInputException.class).hasMessageContaining("region");
        assertThatThrownBy(() -> Region.cell(9)).isInstanceOf(InvalidInputException.class);
    }
}
