package io.mmfuse.eval.generation;

import io.mmfuse.data.SceneSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Captions to give a text-to-image generator, built from test scenes so that what each image must
 * show is known. The evaluation caption of a scene states everything the scoring checks: for two
 * objects the canonical caption ("a red circle above a blue square"), for one object the variant
 * with its region ("a red circle at the top left").
 */
public final class EvaluationTargets {
    private EvaluationTargets() {}

    /** The evaluation caption of one scene drawn at {@code size} pixels. */
    public static AttributeTarget of(SceneSpec scene, int size) {
        int variant = scene.objects().size() == 1 ? ShapeCaptionWording.SINGLE_WITH_REGION : ShapeCaptionWording.CANONICAL;
        return ofVariant(scene, size, variant);
    }

    /** One evaluation target per scene, in iteration order. */
    public static List<AttributeTarget> of(Collection<SceneSpec> scenes, int size) {
        List<AttributeTarget> out = new ArrayList<>(scenes.size());
        for (SceneSpec s : scenes) {
            out.add(of(s, size));
        }
        return out;
    }

    /** A given caption variant of a scene (see {@link ShapeCaptionWording}); the region counts only for variant 2 of a single object. */
    public static AttributeTarget ofVariant(SceneSpec scene, int size, int variant) {
        String caption = ShapeCaptionWording.variant(scene, size, variant);
        boolean region = scene.objects().size() == 1 && variant == ShapeCaptionWording.SINGLE_WITH_REGION;
        return new AttributeTarget(caption, scene, size, region);
    }

    /** Every variant of every scene: scene-major, variants 0..4, to check robustness to paraphrase. */
    public static List<AttributeTarget> allVariants(Collection<SceneSpec> scenes, int size) {
        List<AttributeTarget> out = new ArrayList<>(scenes.size() * ShapeCaptionWording.VARIANTS);
        for (SceneSpec s : scenes) {
            for (int v = 0; v < ShapeCaptionWording.VARIANTS; v++) {
                out.add(ofVariant(s, size, v));
            }
        }
        return out;
    }
}
