package io.mmfuse.eval.generation;

import io.mmfuse.data.SceneSpec;
import io.mmfuse.data.SceneSpec.Colour;
import io.mmfuse.data.SceneSpec.ColourShape;
import io.mmfuse.data.SceneSpec.Relation;
import io.mmfuse.data.SceneSpec.Shape;
import io.mmfuse.data.SceneSpec.ShapeSpec;
import java.util.List;

/** Hand-made scenes for the tests. */
final class Scenes {
    private Scenes() {}

    static ShapeSpec shape(Colour c, Shape s, int x, int y) {
        return new ShapeSpec(c, s, x, y, 8);
    }

    static SceneSpec single(Colour c, Shape s, int x, int y) {
        return new SceneSpec("single", List.of(shape(c, s, x, y)), Relation.NONE);
    }

    static SceneSpec pair(ShapeSpec first, Relation relation, ShapeSpec second) {
        return new SceneSpec("pair", List.of(first, second), relation);
    }

    static ColourShape cs(Colour c, Shape s) {
        return new ColourShape(c, s);
    }
}
