package io.mmfuse.eval.generation;

import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.data.Sample;
import io.mmfuse.data.SceneSpec;
import io.mmfuse.image.DecodedBatch;
import io.mmfuse.image.ImageDecoder;
import io.mmfuse.image.ImageOptions;
import io.mmfuse.image.ImageSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Real synthetic images, decoded into mmfuse's normalised CHW space, with each image's scene.
 *
 * @param images {@code count} images of 3 x imageSize x imageSize floats, concatenated
 * @param scenes the ground truth of each image, same order
 * @param sceneSize the pixel size the scenes were drawn at (their coordinates refer to it)
 */
public record SceneImages(float[] images, int count, int imageSize, List<SceneSpec> scenes, int sceneSize) {
    public SceneImages {
        if (count <= 0 || imageSize <= 0 || sceneSize <= 0) {
            throw new InvalidInputException("SceneImages", "count, imageSize and sceneSize must be > 0, were "
                    + count + ", " + imageSize + ", " + sceneSize);
        }
        if (images == null || images.length != (long) count * 3 * imageSize * imageSize) {
            throw new InvalidInputException("images", "must hold " + count + " x 3 x " + imageSize + " x "
                    + imageSize + " floats, has " + (images == null ? "null" : images.length));
        }
        scenes = List.copyOf(scenes);
        if (scenes.size() != count) {
            throw new InvalidInputException("scenes", "has " + scenes.size() + " entries for " + count + " images");
        }
    }

    /**
     * Decodes a split of {@link io.mmfuse.data.SyntheticShapes} output to {@code imageSize} pixels
     * with the default normalisation.
     *
     * @param scenes ground truth by image id (from {@code generateWithScenes} or {@code readScenes})
     * @throws MmfuseException when an image does not decode; generated PNGs always should
     */
    public static SceneImages decode(List<Sample> split, Map<String, SceneSpec> scenes, int sceneSize, int imageSize,
                                     int threads) {
        if (split == null || split.isEmpty()) {
            throw new InvalidInputException("split", "has no images");
        }
        List<ImageSource> sources = new ArrayList<>(split.size());
        List<SceneSpec> specs = new ArrayList<>(split.size());
        for (Sample s : split) {
            SceneSpec scene = scenes.get(s.imageId());
            if (scene == null) {
                throw new InvalidInputException("scenes", "no scene for image " + s.imageId());
            }
            sources.add(s.image());
            specs.add(scene);
        }
        ImageDecoder decoder = new ImageDecoder(ImageOptions.defaults().withSize(imageSize));
        DecodedBatch batch = decoder.decodeAll(sources, threads, i -> { });
        if (!batch.failures().isEmpty()) {
            DecodedBatch.Failure f = batch.failures().get(0);
            throw new MmfuseException(batch.failures().size() + " synthetic image(s) did not decode, first "
                    + f.name() + ": " + f.message());
        }
        return new SceneImages(batch.data(), batch.count(), imageSize, specs, sceneSize);
    }

    /** The canonical attributes of every image: the classifier's training labels. */
    public List<SceneAttributes> labels() {
        return scenes.stream().map(s -> SceneAttributes.of(s, sceneSize)).toList();
    }

    /** One evaluation caption per image ({@link EvaluationTargets#of(SceneSpec, int)}). */
    public List<AttributeTarget> evaluationTargets() {
        return EvaluationTargets.of(scenes, sceneSize);
    }
}
