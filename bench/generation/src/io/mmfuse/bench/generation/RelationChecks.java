package io.mmfuse.bench.generation;

import io.mmfuse.api.MmfuseModel;
import io.mmfuse.data.SceneSpec;
import io.mmfuse.data.SceneSpec.Colour;
import io.mmfuse.data.SceneSpec.ColourShape;
import io.mmfuse.data.SceneSpec.Shape;
import io.mmfuse.search.FloatMatrix;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a retrieval model reads in the two-object test scenes, as caption comparisons: is an image
 * nearer to its canonical caption ("a red circle above a blue square") than to the same caption with
 * the objects swapped, with the colours exchanged between them, or with one object's shape (colour)
 * replaced by every other shape (colour)? Run on real images it says what the conditioning text tower
 * can tell apart; run on generated images it says what the matching loss, which scores the generator
 * through the same model, already sees as right. Where the model reads a shape in generated images that
 * the attribute judge does not, the generator satisfies the loss without drawing the shape.
 *
 * <p>All caption embeddings are computed once; {@link #score} takes one image embedding per scene, in the
 * order of {@link #captions()}.
 */
final class RelationChecks {
    /** Scores in [0, 1]; chance is 0.5 for the three swaps, 0.25 for shape and 0.125 for colour. */
    record Scores(int images, int vertical, double aboveBelow, int horizontal, double leftRight, double swaps,
            int bindingImages, double binding, double shape, double colour) {
        static String markdownHeader() {
            return "| images | above / below | left of / right of | all swaps | colours exchanged | shape replaced | colour replaced |\n"
                    + "|---|---:|---:|---:|---:|---:|---:|\n"
                    + "| chance | 50 % | 50 % | 50 % | 50 % | 25 % | 12.5 % |";
        }

        String markdownRow(String label) {
            return String.format(Locale.ROOT, "| %s | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %.1f %% |", label,
                    100 * aboveBelow, 100 * leftRight, 100 * swaps, 100 * binding, 100 * shape, 100 * colour);
        }
    }

    private final List<SceneSpec> scenes;
    private final List<String> captions = new ArrayList<>();
    private final FloatMatrix right;
    private final FloatMatrix swapped;
    /** Row k: the caption of scene boundScene[k] with its two colours exchanged (scenes whose colours differ). */
    private final FloatMatrix unbound;
    private final int[] boundScene;
    /** Per scene and object: the captions with that object's shape (colour) replaced. */
    private final FloatMatrix[][] shapeReplaced;
    private final FloatMatrix[][] colourReplaced;

    /** @param scenes two-object scenes only */
    RelationChecks(MmfuseModel model, List<SceneSpec> scenes) {
        if (scenes.isEmpty() || scenes.stream().anyMatch(s -> s.objects().size() != 2)) {
            throw new IllegalArgumentException("needs at least one scene, each with exactly two objects");
        }
        this.scenes = List.copyOf(scenes);
        List<String> swaps = new ArrayList<>();
        List<String> unboundCaptions = new ArrayList<>();
        List<Integer> bound = new ArrayList<>();
        shapeReplaced = new FloatMatrix[scenes.size()][2];
        colourReplaced = new FloatMatrix[scenes.size()][2];
        for (int i = 0; i < scenes.size(); i++) {
            SceneSpec s = scenes.get(i);
            ColourShape p = s.objects().get(0).colourShape();
            ColourShape q = s.objects().get(1).colourShape();
            captions.add(caption(p, s.relation(), q));
            swaps.add(caption(q, s.relation(), p));
            if (p.colour() != q.colour()) {
                unboundCaptions.add(caption(new ColourShape(q.colour(), p.shape()), s.relation(),
                        new ColourShape(p.colour(), q.shape())));
                bound.add(i);
            }
            for (int target = 0; target < 2; target++) {
                ColourShape own = s.objects().get(target).colourShape();
                List<String> byShape = new ArrayList<>();
                for (Shape other : Shape.values()) {
                    if (other != own.shape()) {
                        byShape.add(withObject(s, target, new ColourShape(own.colour(), other)));
                    }
                }
                List<String> byColour = new ArrayList<>();
                for (Colour other : Colour.values()) {
                    if (other != own.colour()) {
                        byColour.add(withObject(s, target, new ColourShape(other, own.shape())));
                    }
                }
                shapeReplaced[i][target] = model.embedTexts(byShape);
                colourReplaced[i][target] = model.embedTexts(byColour);
            }
        }
        right = model.embedTexts(captions);
        swapped = model.embedTexts(swaps);
        unbound = unboundCaptions.isEmpty() ? null : model.embedTexts(unboundCaptions);
        boundScene = bound.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The canonical caption of every scene, in scene order: what a generator is asked to draw. */
    List<String> captions() {
        return List.copyOf(captions);
    }

    /** @param images one embedding per scene, rows in scene order */
    Scores score(FloatMatrix images) {
        if (images.rows() != scenes.size()) {
            throw new IllegalArgumentException("expected " + scenes.size() + " image embeddings, got " + images.rows());
        }
        int[] ok = new int[2];
        int[] total = new int[2];
        int shapeOk = 0;
        int colourOk = 0;
        for (int i = 0; i < scenes.size(); i++) {
            float[] image = images.row(i);
            SceneSpec.Relation relation = scenes.get(i).relation();
            int axis = relation == SceneSpec.Relation.ABOVE || relation == SceneSpec.Relation.BELOW ? 0 : 1;
            total[axis]++;
            double own = dot(image, right.row(i));
            if (own > dot(image, swapped.row(i))) {
                ok[axis]++;
            }
            for (int target = 0; target < 2; target++) {
                shapeOk += beatsAll(image, own, shapeReplaced[i][target]) ? 1 : 0;
                colourOk += beatsAll(image, own, colourReplaced[i][target]) ? 1 : 0;
            }
        }
        int boundOk = 0;
        for (int k = 0; k < boundScene.length; k++) {
            float[] image = images.row(boundScene[k]);
            if (dot(image, right.row(boundScene[k])) > dot(image, unbound.row(k))) {
                boundOk++;
            }
        }
        int n = scenes.size();
        return new Scores(n, total[0], ratio(ok[0], total[0]), total[1], ratio(ok[1], total[1]),
                ratio(ok[0] + ok[1], n), boundScene.length, ratio(boundOk, boundScene.length),
                ratio(shapeOk, 2 * n), ratio(colourOk, 2 * n));
    }

    private static boolean beatsAll(float[] image, double own, FloatMatrix others) {
        for (int j = 0; j < others.rows(); j++) {
            if (!(own > dot(image, others.row(j)))) {
                return false;
            }
        }
        return true;
    }

    private static double ratio(int ok, int total) {
        return total == 0 ? Double.NaN : (double) ok / total;
    }

    private static String withObject(SceneSpec s, int replaced, ColourShape replacement) {
        ColourShape a = replaced == 0 ? replacement : s.objects().get(0).colourShape();
        ColourShape b = replaced == 1 ? replacement : s.objects().get(1).colourShape();
        return caption(a, s.relation(), b);
    }

    /** The canonical two-object wording: "a red circle above a blue square". */
    static String caption(ColourShape a, SceneSpec.Relation relation, ColourShape b) {
        return article(a.phrase()) + " " + relation.phrase() + " " + article(b.phrase());
    }

    private static String article(String phrase) {
        return ("aeiou".indexOf(phrase.charAt(0)) >= 0 ? "an " : "a ") + phrase;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
