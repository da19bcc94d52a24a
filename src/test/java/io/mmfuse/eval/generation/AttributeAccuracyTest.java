package io.mmfuse.eval.generation;

import static io.mmfuse.eval.generation.Scenes.cs;
import static io.mmfuse.eval.generation.Scenes.shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmfuse.InvalidInputException;
import io.mmfuse.data.SceneSpec.Colour;
import io.mmfuse.data.SceneSpec.Relation;
import io.mmfuse.data.SceneSpec.Shape;
import io.mmfuse.eval.generation.AttributeAccuracy.Breakdown;
import io.mmfuse.eval.generation.AttributeAccuracy.Metric;
import io.mmfuse.eval.generation.AttributeAccuracy.Report;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AttributeAccuracyTest {
    // "a red circle above a blue square"
    private static final AttributeTarget RED_ABOVE_BLUE = new AttributeTarget("a red circle above a blue square",
            Scenes.pair(shape(Colour.RED, Shape.CIRCLE, 30, 10), Relation.ABOVE, shape(Colour.BLUE, Shape.SQUARE, 30, 50)),
            false);
    // "a green triangle at the top left"
    private static final AttributeTarget GREEN_TOP_LEFT = new AttributeTarget("a green triangle at the top left",
            Scenes.single(Colour.GREEN, Shape.TRIANGLE, 10, 10), true);
    // "a yellow cross": the region (middle) is not stated
    private static final AttributeTarget YELLOW_ANYWHERE = new AttributeTarget("a yellow cross",
            Scenes.single(Colour.YELLOW, Shape.CROSS, 32, 32), false);
    // "an orange circle to the right of a purple square", purple square held out
    private static final AttributeTarget ORANGE_RIGHT_OF_PURPLE = new AttributeTarget(
            "an orange circle to the right of a purple square",
            Scenes.pair(shape(Colour.ORANGE, Shape.CIRCLE, 50, 30), Relation.RIGHT_OF, shape(Colour.PURPLE, Shape.SQUARE, 10, 30)),
            false);
    private static final Set<io.mmfuse.data.SceneSpec.ColourShape> HELD_OUT = Set.of(cs(Colour.PURPLE, Shape.SQUARE));

    private static final List<AttributeTarget> TARGETS =
            List.of(RED_ABOVE_BLUE, GREEN_TOP_LEFT, YELLOW_ANYWHERE, ORANGE_RIGHT_OF_PURPLE);
    private static final List<SceneAttributes> PREDICTED = List.of(
            // all right
            SceneAttributes.pair(RelationAxis.VERTICAL, cs(Colour.RED, Shape.CIRCLE), cs(Colour.BLUE, Shape.SQUARE)),
            // wrong shape, right region
            SceneAttributes.single(cs(Colour.GREEN, Shape.SQUARE), Region.TOP_LEFT),
            // region differs but was not asked for
            SceneAttributes.single(cs(Colour.YELLOW, Shape.CROSS), Region.BOTTOM),
            // the purple square was drawn on the right: both slots and the position are wrong
            SceneAttributes.pair(RelationAxis.HORIZONTAL, cs(Colour.ORANGE, Shape.CIRCLE), cs(Colour.PURPLE, Shape.SQUARE)));

    @Test
    void theShapeConfusionCountsTheSlotsTheShapeAccuracyScores() {
        int[][] m = AttributeAccuracy.shapeConfusion(PREDICTED, TARGETS);
        int c = Shape.CIRCLE.ordinal();
        int s = Shape.SQUARE.ordinal();
        int t = Shape.TRIANGLE.ordinal();
        int x = Shape.CROSS.ordinal();
        // The purple square is the left (first) slot of its caption and was read as a circle, and the other way round.
        assertThat(m[c]).containsExactly(1, 1, 0, 0);
        assertThat(m[s]).containsExactly(1, 1, 0, 0);
        assertThat(m[t][s]).isEqualTo(1);
        assertThat(m[x][x]).isEqualTo(1);
        Breakdown all = AttributeAccuracy.score(PREDICTED, TARGETS, HELD_OUT).all();
        assertThat(m[c][c] + m[s][s] + m[t][t] + m[x][x]).isEqualTo(all.shape().correct());
        assertThat(java.util.Arrays.stream(m).flatMapToInt(java.util.Arrays::stream).sum()).isEqualTo(all.shape().total());
        assertThat(AttributeAccuracy.shapeConfusionMarkdown(m)).contains("| triangle | 0 % | 100 % | 0 % | 0 % | 1 |");
    }

    @Test
    void countsEachAttributeByTheRules() {
        Report r = AttributeAccuracy.score(PREDICTED, TARGETS, HELD_OUT);

        Breakdown all = r.all();
        assertThat(all.images()).isEqualTo(4);
        assertThat(all.colour()).isEqualTo(new Metric(4, 6));
        assertThat(all.shape()).isEqualTo(new Metric(3, 6));
        assertThat(all.position()).isEqualTo(new Metric(2, 3));
        assertThat(all.count()).isEqualTo(new Metric(4, 4));
        assertThat(all.exact()).isEqualTo(new Metric(2, 4));
        assertThat(all.overall()).isCloseTo((4 / 6.0 + 3 / 6.0 + 2 / 3.0 + 1.0) / 4, within(1e-12));
    }

    @Test
    void splitsByHeldOutCombinations() {
        Report r = AttributeAccuracy.score(PREDICTED, TARGETS, HELD_OUT);

        assertThat(r.heldOut().images()).isEqualTo(1);
        assertThat(r.heldOut().colour()).isEqualTo(new Metric(0, 2));
        assertThat(r.heldOut().position()).isEqualTo(new Metric(0, 1));
        assertThat(r.heldOut().count()).isEqualTo(new Metric(1, 1));
        assertThat(r.seen().images()).isEqualTo(3);
        assertThat(r.seen().colour()).isEqualTo(new Metric(4, 4));
        assertThat(r.seen().shape()).isEqualTo(new Metric(3, 4));
        assertThat(r.seen().position()).isEqualTo(new Metric(2, 2));
        assertThat(r.seen().exact()).isEqualTo(new Metric(2, 3));
    }

    @Test
    void aWrongCountFailsEveryObjectCheck() {
        // One red circle drawn for "a red circle above a blue square".
        Report r = AttributeAccuracy.score(
                List.of(SceneAttributes.single(cs(Colour.RED, Shape.CIRCLE), Region.TOP)), List.of(RED_ABOVE_BLUE), Set.of());

        assertThat(r.all().count()).isEqualTo(new Metric(0, 1));
        assertThat(r.all().colour()).isEqualTo(new Metric(0, 2));
        assertThat(r.all().shape()).isEqualTo(new Metric(0, 2));
        assertThat(r.all().position()).isEqualTo(new Metric(0, 1));
    }

    @Test
    void positionNeedsTheRightAxisAndTheObjectsInTheirSlots() {
        SceneAttributes target = RED_ABOVE_BLUE.attributes();
        // wrong colour of the lower object, but the objects are still recognisably in place
        SceneAttributes partly = SceneAttributes.pair(RelationAxis.VERTICAL, cs(Colour.RED, Shape.CIRCLE),
                cs(Colour.RED, Shape.SQUARE));
        // shapes swapped, colours kept: as much evidence for either order, a tie
        SceneAttributes tie = SceneAttributes.pair(RelationAxis.VERTICAL, cs(Colour.RED, Shape.SQUARE),
                cs(Colour.BLUE, Shape.CIRCLE));
        SceneAttributes sideBySide = SceneAttributes.pair(RelationAxis.HORIZONTAL, cs(Colour.RED, Shape.CIRCLE),
                cs(Colour.BLUE, Shape.SQUARE));

        assertThat(AttributeAccuracy.slotsInOrder(partly, target)).isTrue();
        assertThat(AttributeAccuracy.slotsInOrder(tie, target)).isFalse();
        Report r = AttributeAccuracy.score(List.of(partly, tie, sideBySide),
                List.of(RED_ABOVE_BLUE, RED_ABOVE_BLUE, RED_ABOVE_BLUE), Set.of());
        assertThat(r.all().position()).isEqualTo(new Metric(1, 3));
        assertThat(r.all().colour()).isEqualTo(new Metric(5, 6));
    }

    @Test
    void jsonAndMarkdownCarryTheNumbersAndNullForEmptyGroups() throws Exception {
        Report r = AttributeAccuracy.score(PREDICTED, TARGETS, Set.of());

        JsonNode json = new ObjectMapper().readTree(r.toJson());
        assertThat(json.at("/all/colour/correct").asInt()).isEqualTo(4);
        assertThat(json.at("/all/colour/accuracy").asDouble()).isCloseTo(4 / 6.0, within(1e-9));
        assertThat(json.at("/all/overall").asDouble()).isCloseTo(r.all().overall(), within(1e-9));
        assertThat(json.at("/heldOut/images").asInt()).isZero();
        assertThat(json.at("/heldOut/colour/accuracy").isNull()).isTrue();
        assertThat(r.markdownRows("real")).startsWith("| real | 4 | 66.7 % | 50.0 % | 66.7 % | 100.0 % | 50.0 % | 70.8 % |");
        assertThat(r.markdownRows("real")).contains("| real, held-out combinations | 0 | — |");
        assertThat(Report.markdownHeader().lines().findFirst().orElseThrow().split("\\|", -1))
                .hasSize(r.all().markdownRow("x").split("\\|", -1).length);
    }

    @Test
    void rejectsMismatchedInputs() {
        assertThatThrownBy(() -> AttributeAccuracy.score(PREDICTED.subList(0, 3), TARGETS, Set.of()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("predicted");
        assertThatThrownBy(() -> AttributeAccuracy.score(PREDICTED, TARGETS, null))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("heldOut");
        assertThatThrownBy(() -> new AttributeTarget("a red circle above a blue square", RED_ABOVE_BLUE.scene(), true))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("regionStated");
    }
}
