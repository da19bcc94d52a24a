package io.mmfuse.data;

import io.mmfuse.InvalidInputException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Ground truth of one {@link SyntheticShapes} image: one or two shapes and, for two, where the
 * first is relative to the second ({@code objects[0] relation objects[1]}). Generative models can
 * be scored against it (did "a red circle above a blue square" produce that?).
 *
 * @param relation {@link Relation#NONE} exactly when there is one object
 */
public record SceneSpec(String imageId, List<ShapeSpec> objects, Relation relation) {

    /** Colours with their RGB values as drawn. */
    public enum Colour {
        RED(220, 40, 40), GREEN(50, 180, 60), BLUE(40, 90, 230), YELLOW(235, 215, 40),
        PURPLE(150, 60, 180), ORANGE(250, 140, 30), WHITE(240, 240, 240);

        private final int r;
        private final int g;
        private final int b;

        Colour(int r, int g, int b) {
            this.r = r;
            this.g = g;
            this.b = b;
        }

        public int red() {
            return r;
        }

        public int green() {
            return g;
        }

        public int blue() {
            return b;
        }

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public enum Shape {
        CIRCLE, SQUARE, TRIANGLE, CROSS;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public enum Relation {
        NONE(""), ABOVE("above"), BELOW("below"), LEFT_OF("to the left of"), RIGHT_OF("to the right of");

        private final String phrase;

        Relation(String phrase) {
            this.phrase = phrase;
        }

        public String phrase() {
            return phrase;
        }

        /** The relation seen from the other object: ABOVE &lt;-&gt; BELOW, LEFT_OF &lt;-&gt; RIGHT_OF. */
        public Relation inverse() {
            return switch (this) {
                case NONE -> NONE;
                case ABOVE -> BELOW;
                case BELOW -> ABOVE;
                case LEFT_OF -> RIGHT_OF;
                case RIGHT_OF -> LEFT_OF;
            };
        }
    }

    /** A colour-shape combination such as "red circle", the unit of held-out splits. */
    public record ColourShape(Colour colour, Shape shape) {
        public ColourShape {
            Objects.requireNonNull(colour, "colour");
            Objects.requireNonNull(shape, "shape");
        }

        public String phrase() {
            return colour.word() + " " + shape.word();
        }
    }

    /**
     * One drawn shape; every pixel of it lies within {@code radius} of its centre (pixel
     * coordinates, origin top left).
     */
    public record ShapeSpec(Colour colour, Shape shape, int centerX, int centerY, int radius) {
        public ShapeSpec {
            Objects.requireNonNull(colour, "colour");
            Objects.requireNonNull(shape, "shape");
        }

        public ColourShape colourShape() {
            return new ColourShape(colour, shape);
        }
    }

    public SceneSpec {
        Objects.requireNonNull(imageId, "imageId");
        objects = List.copyOf(objects);
        Objects.requireNonNull(relation, "relation");
        if (objects.isEmpty() || objects.size() > 2) {
            throw new InvalidInputException("objects", "a scene has 1 or 2 objects, found " + objects.size());
        }
        if ((objects.size() == 1) != (relation == Relation.NONE)) {
            throw new InvalidInputException("relation", "must be NONE exactly when there is one object");
        }
    }

    public Set<ColourShape> colourShapes() {
        Set<ColourShape> set = new LinkedHashSet<>();
        objects.forEach(o -> set.add(o.colourShape()));
        return set;
    }
}
