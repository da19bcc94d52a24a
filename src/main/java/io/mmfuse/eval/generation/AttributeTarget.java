package io.mmfuse.eval.generation;

import io.mmfuse.InvalidInputException;
import io.mmfuse.data.SceneSpec;
import io.mmfuse.data.SceneSpec.ColourShape;
import io.mmfuse.image.ImageOptions;
import java.util.Objects;
import java.util.Set;

/**
 * A caption given to a generator together with what an image for it must show. The caption was
 * written from a known scene (a test image's ground truth), so the attributes it asks for are that
 * scene's {@link SceneAttributes}, except that a single object's region counts only when the
 * caption says it ({@code regionStated}); "a red circle" may be drawn anywhere.
 *
 * @param sceneSize the pixel size the scene's coordinates refer to (needed for the region)
 */
public record AttributeTarget(String caption, SceneSpec scene, int sceneSize, boolean regionStated) {
    public AttributeTarget {
        if (caption == null || caption.isBlank()) {
            throw new InvalidInputException("caption", "must not be blank");
        }
        Objects.requireNonNull(scene, "scene");
        if (sceneSize <= 0) {
            throw new InvalidInputException("sceneSize", "must be > 0, was " + sceneSize);
        }
        if (regionStated && scene.objects().size() != 1) {
            throw new InvalidInputException("regionStated", "only single-object captions state a region ("
                    + scene.imageId() + " has " + scene.objects().size() + " objects)");
        }
    }

    /** For scenes drawn at the default 64 px. */
    public AttributeTarget(String caption, SceneSpec scene, boolean regionStated) {
        this(caption, scene, ImageOptions.DEFAULT_SIZE, regionStated);
    }

    public SceneAttributes attributes() {
        return SceneAttributes.of(scene, sceneSize);
    }

    /** Whether the caption asks for any of these colour-shape combinations (e.g. ones held out from training). */
    public boolean mentionsAny(Set<ColourShape> combinations) {
        return scene.colourShapes().stream().anyMatch(combinations::contains);
    }
}
