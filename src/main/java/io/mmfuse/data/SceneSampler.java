package io.mmfuse.data;

import io.mmfuse.data.SceneSpec.ColourShape;
import io.mmfuse.data.SceneSpec.Relation;
import io.mmfuse.data.SceneSpec.ShapeSpec;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws random scenes from a set of allowed colour-shape combinations. Two objects in one scene
 * have different combinations and do not overlap, and the stated relation is clearly visible: the
 * gap along the relation's axis is at least the sum of the radii and exceeds the offset across it.
 */
final class SceneSampler {
    private static final Relation[] RELATIONS = {Relation.ABOVE, Relation.BELOW, Relation.LEFT_OF, Relation.RIGHT_OF};
    private static final int MAX_TRIES = 100_000;

    private final int size;
    private final List<ColourShape> allowed;
    private final int minRadius;
    private final int maxRadius;

    SceneSampler(int size, List<ColourShape> allowed) {
        this.size = size;
        this.allowed = List.copyOf(allowed);
        this.minRadius = Math.max(3, Math.round(size * 0.11f));
        this.maxRadius = Math.max(minRadius, Math.round(size * 0.17f));
    }

    SceneSpec sample(String imageId, SplittableRandom rnd) {
        ColourShape a = allowed.get(rnd.nextInt(allowed.size()));
        if (rnd.nextBoolean()) {
            int r = radius(rnd);
            return new SceneSpec(imageId, List.of(place(a, r, rnd)), Relation.NONE);
        }
        ColourShape b;
        do {
            b = allowed.get(rnd.nextInt(allowed.size()));
        } while (b.equals(a));
        Relation relation = RELATIONS[rnd.nextInt(RELATIONS.length)];
        for (int t = 0; t < MAX_TRIES; t++) {
            ShapeSpec first = place(a, radius(rnd), rnd);
            ShapeSpec second = place(b, radius(rnd), rnd);
            if (holds(relation, first, second)) {
                return new SceneSpec(imageId, List.of(first, second), relation);
            }
        }
        // Only reachable if the geometry constants are changed so that no layout fits.
        throw new IllegalStateException("cannot place two shapes " + relation + " in a " + size + " px image");
    }

    private int radius(SplittableRandom rnd) {
        return minRadius + rnd.nextInt(maxRadius - minRadius + 1);
    }

    private ShapeSpec place(ColourShape cs, int r, SplittableRandom rnd) {
        int lo = r + 1;
        int hi = size - r - 2;
        return new ShapeSpec(cs.colour(), cs.shape(), lo + rnd.nextInt(hi - lo + 1), lo + rnd.nextInt(hi - lo + 1), r);
    }

    static boolean holds(Relation relation, ShapeSpec first, ShapeSpec second) {
        int dx = second.centerX() - first.centerX();
        int dy = second.centerY() - first.centerY();
        int along = switch (relation) {
            case ABOVE -> dy;
            case BELOW -> -dy;
            case LEFT_OF -> dx;
            case RIGHT_OF -> -dx;
            case NONE -> throw new IllegalArgumentException("NONE relates nothing");
        };
        int across = relation == Relation.ABOVE || relation == Relation.BELOW ? Math.abs(dx) : Math.abs(dy);
        return along >= first.radius() + second.radius() + 2 && across * 4 <= along * 3;
    }
}
