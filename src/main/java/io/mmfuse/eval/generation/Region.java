package io.mmfuse.eval.generation;

import io.mmfuse.InvalidInputException;

/**
 * The cell of a 3x3 grid that holds a single object's centre, with the phrase captions use for it
 * ("a red circle at the top left"). Declaration order is row-major, so {@link #ordinal()} of the
 * nine cells is {@code row * 3 + col}; {@link #NONE} (last) stands for scenes of two objects.
 */
public enum Region {
    TOP_LEFT("at the top left"), TOP("at the top"), TOP_RIGHT("at the top right"),
    LEFT("on the left"), MIDDLE("in the middle"), RIGHT("on the right"),
    BOTTOM_LEFT("at the bottom left"), BOTTOM("at the bottom"), BOTTOM_RIGHT("at the bottom right"),
    NONE("");

    /** Number of real cells (excludes {@link #NONE}). */
    public static final int CELLS = 9;
    private static final Region[] VALUES = values();

    private final String phrase;

    Region(String phrase) {
        this.phrase = phrase;
    }

    public String phrase() {
        return phrase;
    }

    /**
     * The cell of a centre in a {@code size x size} image, by the rule the synthetic captions use:
     * {@code col = min(2, cx * 3 / size)}, likewise for the row, in integer arithmetic (so with 64
     * px, x = 21 is still the left column and x = 22 is the middle one).
     */
    public static Region of(int centerX, int centerY, int size) {
        if (size <= 0) {
            throw new InvalidInputException("size", "must be > 0, was " + size);
        }
        if (centerX < 0 || centerX >= size || centerY < 0 || centerY >= size) {
            throw new InvalidInputException("centre", "(" + centerX + ", " + centerY + ") lies outside a "
                    + size + " px image");
        }
        int col = Math.min(2, centerX * 3 / size);
        int row = Math.min(2, centerY * 3 / size);
        return VALUES[row * 3 + col];
    }

    /** The cell with {@link #ordinal()} {@code index}, 0..8. */
    public static Region cell(int index) {
        if (index < 0 || index >= CELLS) {
            throw new InvalidInputException("region", "cell index must be in [0, 8], was " + index);
        }
        return VALUES[index];
    }
}
