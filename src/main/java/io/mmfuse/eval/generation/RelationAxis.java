package io.mmfuse.eval.generation;

import io.mmfuse.data.SceneSpec.Relation;

/**
 * The axis along which two objects are related. Direction is not part of it: which object comes
 * first along the axis is carried by the slot order of {@link SceneAttributes}.
 */
public enum RelationAxis {
    /** A single object: nothing is related. */
    NONE,
    /** "above" / "below": slot 0 is the upper object. */
    VERTICAL,
    /** "to the left of" / "to the right of": slot 0 is the left object. */
    HORIZONTAL;

    public static RelationAxis of(Relation relation) {
        return switch (relation) {
            case NONE -> NONE;
            case ABOVE, BELOW -> VERTICAL;
            case LEFT_OF, RIGHT_OF -> HORIZONTAL;
        };
    }
}
