package io.mmfuse.eval.generation;

import io.mmfuse.InvalidInputException;
import io.mmfuse.data.SceneSpec;
import io.mmfuse.data.SceneSpec.ShapeSpec;
import io.mmfuse.data.SyntheticShapes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The caption variants {@link SyntheticShapes} writes for a scene, rebuilt here because the
 * generator's own wording class is package-private. Variant numbers match the generator's:
 * with {@code captionsPerImage = 5} its captions are variants 0..4 in order, and a test compares
 * the two so the wording cannot drift apart.
 */
public final class ShapeCaptionWording {
    /** How many variants there are for every scene. */
    public static final int VARIANTS = 5;
    /** The canonical variant ("a red circle above a blue square", "a red circle"). */
    public static final int CANONICAL = 0;
    /** For a single object, the only variant that names its region ("a red circle at the top left"). */
    public static final int SINGLE_WITH_REGION = 2;

    private ShapeCaptionWording() {}

    /** All variants of {@code scene} drawn at {@code size} pixels, variant 0 first. */
    public static List<String> variants(SceneSpec scene, int size) {
        List<String> out = new ArrayList<>(VARIANTS);
        for (int v = 0; v < VARIANTS; v++) {
            out.add(variant(scene, size, v));
        }
        return out;
    }

    public static String variant(SceneSpec scene, int size, int variant) {
        Objects.requireNonNull(scene, "scene");
        if (variant < 0 || variant >= VARIANTS) {
            throw new InvalidInputException("variant", "must be in [0, " + (VARIANTS - 1) + "], was " + variant);
        }
        return scene.objects().size() == 1 ? single(scene.objects().get(0), size, variant) : pair(scene, variant);
    }

    private static String single(ShapeSpec o, int size, int variant) {
        String x = o.colourShape().phrase();
        return switch (variant) {
            case 0 -> withArticle(x);
            case 1 -> "there is " + withArticle(x);
            case 2 -> withArticle(x) + " " + Region.of(o.centerX(), o.centerY(), size).phrase();
            case 3 -> "a single " + x + " on a dark background";
            default -> "an image of " + withArticle(x);
        };
    }

    private static String pair(SceneSpec scene, int variant) {
        String a = scene.objects().get(0).colourShape().phrase();
        String b = scene.objects().get(1).colourShape().phrase();
        String rel = scene.relation().phrase();
        String relation = withArticle(a) + " " + rel + " " + withArticle(b);
        return switch (variant) {
            case 0 -> relation;
            case 1 -> withArticle(b) + " " + scene.relation().inverse().phrase() + " " + withArticle(a);
            case 2 -> "there is " + relation;
            case 3 -> withArticle(a) + " and " + withArticle(b) + ", the " + a + " is " + rel + " the " + b;
            default -> "an image of " + relation;
        };
    }

    private static String withArticle(String phrase) {
        return ("aeiou".indexOf(phrase.charAt(0)) >= 0 ? "an " : "a ") + phrase;
    }
}
