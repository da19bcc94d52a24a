package io.mmfuse.data;

import io.mmfuse.data.SceneSpec.ShapeSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Writes the paraphrased captions of a {@link SceneSpec}; variant 0 is the canonical one. */
final class ShapeCaptions {
    static final int VARIANTS = 5;

    private static final String[][] REGIONS = {
        {"at the top left", "at the top", "at the top right"},
        {"on the left", "in the middle", "on the right"},
        {"at the bottom left", "at the bottom", "at the bottom right"},
    };

    private ShapeCaptions() {}

    /** The canonical caption followed by {@code count - 1} other variants picked with {@code rnd}. */
    static List<String> captions(SceneSpec scene, int size, int count, SplittableRandom rnd) {
        int[] order = {1, 2, 3, 4};
        for (int i = order.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        List<Integer> chosen = new ArrayList<>(List.of(0));
        for (int i = 0; i < count - 1; i++) {
            chosen.add(order[i]);
        }
        chosen.sort(null);
        List<String> captions = new ArrayList<>(count);
        for (int variant : chosen) {
            captions.add(scene.objects().size() == 1
                    ? single(scene.objects().get(0), size, variant)
                    : pair(scene, variant));
        }
        return captions;
    }

    private static String single(ShapeSpec o, int size, int variant) {
        String x = o.colourShape().phrase();
        return switch (variant) {
            case 0 -> withArticle(x);
            case 1 -> "there is " + withArticle(x);
            case 2 -> withArticle(x) + " " + region(o, size);
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

    private static String region(ShapeSpec o, int size) {
        int col = Math.min(2, o.centerX() * 3 / size);
        int row = Math.min(2, o.centerY() * 3 / size);
        return REGIONS[row][col];
    }

    private static String withArticle(String phrase) {
        return ("aeiou".indexOf(phrase.charAt(0)) >= 0 ? "an " : "a ") + phrase;
    }
}
