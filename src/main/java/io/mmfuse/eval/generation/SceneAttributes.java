package io.mmfuse.eval.generation;

import io.mmfuse.InvalidInputException;
import io.mmfuse.data.SceneSpec;
import io.mmfuse.data.SceneSpec.ColourShape;
import io.mmfuse.data.SceneSpec.ShapeSpec;
import java.util.List;
import java.util.Objects;

/**
 * What an image of coloured shapes shows, in a canonical form that does not depend on how it was
 * described: "a blue square below a red circle" and "a red circle above a blue square" have the
 * same attributes. Both ground truth ({@link #of(SceneSpec, int)}) and classifier predictions use
 * this form, so they can be compared field by field.
 *
 * <p>Two objects are ordered as an image shows them: along a {@link RelationAxis#VERTICAL} axis
 * slot 0 is the upper object, along a {@link RelationAxis#HORIZONTAL} one it is the left object.
 *
 * @param count 1 or 2
 * @param axis {@link RelationAxis#NONE} exactly when {@code count == 1}
 * @param slots {@code count} colour-shape combinations in canonical order (predictions may repeat
 *     a combination; ground truth never does)
 * @param region the cell of a single object's centre; {@link Region#NONE} exactly when {@code count == 2}
 */
public record SceneAttributes(int count, RelationAxis axis, List<ColourShape> slots, Region region) {
    public SceneAttributes {
        if (count != 1 && count != 2) {
            throw new InvalidInputException("count", "must be 1 or 2, was " + count);
        }
        Objects.requireNonNull(axis, "axis");
        Objects.requireNonNull(region, "region");
        slots = List.copyOf(slots);
        if (slots.size() != count) {
            throw new InvalidInputException("slots", "has " + slots.size() + " entries for count " + count);
        }
        if ((count == 1) != (axis == RelationAxis.NONE)) {
            throw new InvalidInputException("axis", "must be NONE exactly when count is 1, was " + axis
                    + " with count " + count);
        }
        if ((count == 1) == (region == Region.NONE)) {
            throw new InvalidInputException("region", "must be a cell for one object and NONE for two, was "
                    + region + " with count " + count);
        }
    }

    public static SceneAttributes single(ColourShape object, Region region) {
        return new SceneAttributes(1, RelationAxis.NONE, List.of(object), region);
    }

    /** @param first the upper object (vertical) or the left one (horizontal) */
    public static SceneAttributes pair(RelationAxis axis, ColourShape first, ColourShape second) {
        return new SceneAttributes(2, axis, List.of(first, second), Region.NONE);
    }

    /**
     * The canonical attributes of a scene drawn at {@code size x size} pixels. The slot order of two
     * objects follows the scene's relation (which the sampler guarantees the geometry shows):
     * ABOVE and LEFT_OF keep the scene's order, BELOW and RIGHT_OF swap it.
     */
    public static SceneAttributes of(SceneSpec scene, int size) {
        Objects.requireNonNull(scene, "scene");
        List<ShapeSpec> objects = scene.objects();
        if (objects.size() == 1) {
            ShapeSpec o = objects.get(0);
            return single(o.colourShape(), Region.of(o.centerX(), o.centerY(), size));
        }
        ColourShape a = objects.get(0).colourShape();
        ColourShape b = objects.get(1).colourShape();
        RelationAxis axis = RelationAxis.of(scene.relation());
        return switch (scene.relation()) {
            case ABOVE, LEFT_OF -> pair(axis, a, b);
            case BELOW, RIGHT_OF -> pair(axis, b, a);
            case NONE -> throw new InvalidInputException("relation", "NONE with two objects in " + scene.imageId());
        };
    }

    public ColourShape slot(int i) {
        return slots.get(i);
    }
}
