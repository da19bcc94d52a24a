package io.mmfuse.eval.generation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.data.SceneSpec;
import io.mmfuse.data.SceneSpec.ColourShape;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * How often images show what their captions ask for, attribute by attribute, as read by an
 * {@link AttributeClassifier} (or any other source of {@link SceneAttributes}).
 *
 * <p>Scoring rules, per image, comparing the prediction with the target's canonical attributes:
 * <ul>
 *   <li><b>count</b>: one or two objects, one check per image;</li>
 *   <li><b>colour</b> and <b>shape</b>: one check per target object, slot by slot in canonical
 *       order (upper/left object first); all of them fail when the count is wrong, since the
 *       objects cannot then be matched;</li>
 *   <li><b>position</b>: for two objects, the relation axis must be right and the objects must be
 *       in the right slots, i.e. the prediction must agree with the target on more of the four
 *       colour/shape attributes slot-for-slot than with the slots swapped (a tie, such as two
 *       objects drawn with none of the asked attributes, fails); for one object, the region,
 *       checked only when the caption states it; fails when the count is wrong;</li>
 *   <li><b>exact</b>: every check of the image passed.</li>
 * </ul>
 * {@code overall} is the mean of the colour, shape, position and count accuracies (those with at
 * least one check). Each report also splits the images by whether their caption mentions a
 * held-out colour-shape combination.
 */
public final class AttributeAccuracy {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private AttributeAccuracy() {}

    /** {@code correct} out of {@code total} checks. */
    public record Metric(int correct, int total) {
        public Metric {
            if (correct < 0 || total < correct) {
                throw new InvalidInputException("metric", "needs 0 <= correct <= total, was " + correct + "/" + total);
            }
        }

        /** correct / total, NaN when nothing was checked. */
        public double accuracy() {
            return total == 0 ? Double.NaN : correct / (double) total;
        }
    }

    /** Accuracies over one group of images. */
    public record Breakdown(int images, Metric colour, Metric shape, Metric position, Metric count, Metric exact) {
        /** Mean of the colour, shape, position and count accuracies that are defined; NaN for no images. */
        public double overall() {
            double sum = 0;
            int n = 0;
            for (Metric m : List.of(colour, shape, position, count)) {
                if (m.total() > 0) {
                    sum += m.accuracy();
                    n++;
                }
            }
            return n == 0 ? Double.NaN : sum / n;
        }

        /** {@code | label | images | colour | shape | position | count | exact | overall |}, percentages. */
        public String markdownRow(String label) {
            return String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s | %s |", label, images,
                    percent(colour.accuracy()), percent(shape.accuracy()), percent(position.accuracy()),
                    percent(count.accuracy()), percent(exact.accuracy()), percent(overall()));
        }

        ObjectNode toJsonNode() {
            ObjectNode node = JSON.createObjectNode();
            node.put("images", images);
            metric(node, "colour", colour);
            metric(node, "shape", shape);
            metric(node, "position", position);
            metric(node, "count", count);
            metric(node, "exact", exact);
            putAccuracy(node, "overall", overall());
            return node;
        }

        private static void metric(ObjectNode parent, String name, Metric m) {
            ObjectNode node = parent.putObject(name);
            node.put("correct", m.correct());
            node.put("total", m.total());
            putAccuracy(node, "accuracy", m.accuracy());
        }

        private static void putAccuracy(ObjectNode node, String name, double v) {
            if (Double.isNaN(v)) {
                node.putNull(name);
            } else {
                node.put(name, v);
            }
        }

        private static String percent(double v) {
            return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.1f %%", 100 * v);
        }
    }

    /**
     * @param all every image
     * @param heldOut images whose caption mentions a held-out combination
     * @param seen the others
     */
    public record Report(Breakdown all, Breakdown heldOut, Breakdown seen) {
        /** The header (and separator) of the table {@link #markdownRows} fills. */
        public static String markdownHeader() {
            return "| images | n | colour | shape | position | count | exact | overall |\n"
                    + "|---|---|---|---|---|---|---|---|";
        }

        /** Three rows, "label", "label, held-out" and "label, seen", for {@link #markdownHeader()}. */
        public String markdownRows(String label) {
            return all.markdownRow(label) + "\n" + heldOut.markdownRow(label + ", held-out combinations") + "\n"
                    + seen.markdownRow(label + ", seen combinations");
        }

        /** Pretty JSON; undefined accuracies (no checks) are null. */
        public String toJson() {
            ObjectNode root = JSON.createObjectNode();
            root.set("all", all.toJsonNode());
            root.set("heldOut", heldOut.toJsonNode());
            root.set("seen", seen.toJsonNode());
            try {
                return JSON.writeValueAsString(root);
            } catch (JsonProcessingException e) {
                throw new MmfuseException("cannot write the accuracy report as JSON: " + e.getMessage(), e);
            }
        }
    }

    /** Reads the images with {@code classifier}, then {@link #score}s them. */
    public static Report evaluate(AttributeClassifier classifier, float[] images, int n, List<AttributeTarget> targets,
                                  Set<ColourShape> heldOut) {
        if (classifier == null) {
            throw new InvalidInputException("classifier", "is required");
        }
        if (targets == null || targets.size() != n) {
            throw new InvalidInputException("targets", "must hold one target per image (" + n + "), has "
                    + (targets == null ? "null" : targets.size()));
        }
        return score(classifier.predict(images, n), targets, heldOut);
    }

    /**
     * @param predicted what each image shows
     * @param targets what its caption asked for, same order
     * @param heldOut combinations kept out of the generator's training data (may be empty)
     */
    public static Report score(List<SceneAttributes> predicted, List<AttributeTarget> targets,
                               Set<ColourShape> heldOut) {
        if (predicted == null || targets == null || predicted.size() != targets.size()) {
            throw new InvalidInputException("predicted", "must match targets one to one, sizes "
                    + (predicted == null ? "null" : predicted.size()) + " and "
                    + (targets == null ? "null" : targets.size()));
        }
        if (heldOut == null) {
            throw new InvalidInputException("heldOut", "must not be null (use Set.of())");
        }
        Tally all = new Tally();
        Tally held = new Tally();
        Tally seen = new Tally();
        for (int i = 0; i < targets.size(); i++) {
            AttributeTarget target = Objects.requireNonNull(targets.get(i), "targets[" + i + "]");
            SceneAttributes p = Objects.requireNonNull(predicted.get(i), "predicted[" + i + "]");
            SceneAttributes t = target.attributes();
            boolean isHeld = target.mentionsAny(heldOut);
            for (Tally tally : List.of(all, isHeld ? held : seen)) {
                tally.add(p, t, target.regionStated());
            }
        }
        return new Report(all.breakdown(), held.breakdown(), seen.breakdown());
    }

    /**
     * Which shape was read where each shape was asked for: {@code [asked][read]} counts over the
     * object slots of images whose object count was read right (the slots that the shape accuracy
     * can score), indexed by {@link SceneSpec.Shape#ordinal()}. Tells "blobs read as circles"
     * from shapes drawn at random.
     */
    public static int[][] shapeConfusion(List<SceneAttributes> predicted, List<AttributeTarget> targets) {
        if (predicted == null || targets == null || predicted.size() != targets.size()) {
            throw new InvalidInputException("predicted", "must match targets one to one");
        }
        int shapes = SceneSpec.Shape.values().length;
        int[][] counts = new int[shapes][shapes];
        for (int i = 0; i < targets.size(); i++) {
            SceneAttributes t = targets.get(i).attributes();
            SceneAttributes p = predicted.get(i);
            if (p.count() != t.count()) {
                continue;
            }
            for (int s = 0; s < t.count(); s++) {
                counts[t.slot(s).shape().ordinal()][p.slot(s).shape().ordinal()]++;
            }
        }
        return counts;
    }

    /** {@link #shapeConfusion} as a markdown table, rows asked, columns read, with each row's share. */
    public static String shapeConfusionMarkdown(int[][] counts) {
        SceneSpec.Shape[] shapes = SceneSpec.Shape.values();
        StringBuilder out = new StringBuilder("| asked \\ read |");
        for (SceneSpec.Shape s : shapes) {
            out.append(' ').append(s.word()).append(" |");
        }
        out.append(" n |\n|---|");
        out.append("---:|".repeat(shapes.length + 1)).append('\n');
        for (int a = 0; a < shapes.length; a++) {
            int n = 0;
            for (int c : counts[a]) {
                n += c;
            }
            out.append("| ").append(shapes[a].word()).append(" |");
            for (int r = 0; r < shapes.length; r++) {
                out.append(n == 0 ? " — |" : String.format(Locale.ROOT, " %.0f %% |", 100.0 * counts[a][r] / n));
            }
            out.append(' ').append(n).append(" |\n");
        }
        return out.toString();
    }

    /** Whether the prediction puts the target's objects in the target's slots (see the class comment). */
    static boolean slotsInOrder(SceneAttributes p, SceneAttributes t) {
        int straight = agreements(p.slot(0), t.slot(0)) + agreements(p.slot(1), t.slot(1));
        int swapped = agreements(p.slot(0), t.slot(1)) + agreements(p.slot(1), t.slot(0));
        return straight > swapped;
    }

    private static int agreements(ColourShape a, ColourShape b) {
        return (a.colour() == b.colour() ? 1 : 0) + (a.shape() == b.shape() ? 1 : 0);
    }

    /** Running counts for one group. */
    private static final class Tally {
        int images;
        int colour;
        int colourTotal;
        int shape;
        int shapeTotal;
        int position;
        int positionTotal;
        int count;
        int exact;

        void add(SceneAttributes p, SceneAttributes t, boolean regionStated) {
            images++;
            boolean countOk = p.count() == t.count();
            boolean allOk = countOk;
            if (countOk) {
                count++;
            }
            for (int s = 0; s < t.count(); s++) {
                boolean c = countOk && p.slot(s).colour() == t.slot(s).colour();
                boolean sh = countOk && p.slot(s).shape() == t.slot(s).shape();
                colour += c ? 1 : 0;
                shape += sh ? 1 : 0;
                allOk &= c && sh;
            }
            colourTotal += t.count();
            shapeTotal += t.count();
            boolean positionChecked = t.count() == 2 || regionStated;
            if (positionChecked) {
                boolean ok = countOk && (t.count() == 2
                        ? p.axis() == t.axis() && slotsInOrder(p, t)
                        : p.region() == t.region());
                positionTotal++;
                position += ok ? 1 : 0;
                allOk &= ok;
            }
            exact += allOk ? 1 : 0;
        }

        Breakdown breakdown() {
            return new Breakdown(images, new Metric(colour, colourTotal), new Metric(shape, shapeTotal),
                    new Metric(position, positionTotal), new Metric(count, images), new Metric(exact, images));
        }
    }
}
