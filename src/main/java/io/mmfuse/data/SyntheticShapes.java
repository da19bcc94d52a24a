package io.mmfuse.data;

import io.mmfuse.io.AtomicFiles;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mmfuse.InvalidInputException;
import io.mmfuse.data.SceneSpec.ColourShape;
import io.mmfuse.image.ImageSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * A built-in, seeded dataset of coloured shapes with compositional captions ("a red circle above
 * a blue square"), for tests, demos and compositional-generalisation checks.
 *
 * <p>Each image has its own random stream derived from (seed, split, index), so the same config
 * gives byte-identical PNGs, and changing one split's size does not change the other splits.
 */
public final class SyntheticShapes {
    /** Written by {@link #writeTo} next to the split folders: every {@link SceneSpec} as JSON. */
    public static final String SCENES_FILE = "scenes.json";
    private static final List<String> SPLITS = List.of("train", "val", "test");
    private static final ObjectMapper JSON = new ObjectMapper();

    private SyntheticShapes() {}

    /**
     * @param size image width and height in pixels, 32 to 1024
     * @param captionsPerImage 1 to 5; the canonical caption is always first
     * @param heldOutFromTrain colour-shape combinations that never occur in train images (they can
     *     occur, not guaranteed, in val and test) for testing generalisation to unseen combinations
     */
    public record Config(long seed, int trainImages, int valImages, int testImages, int size, int captionsPerImage,
            Set<ColourShape> heldOutFromTrain) {
        public Config {
            requireAtLeast("trainImages", trainImages, 0);
            requireAtLeast("valImages", valImages, 0);
            requireAtLeast("testImages", testImages, 0);
            if ((long) trainImages + valImages + testImages == 0) {
                throw new InvalidInputException("trainImages+valImages+testImages", "must be > 0");
            }
            if (size < 32 || size > 1024) {
                throw new InvalidInputException("size", "must be in [32, 1024], was " + size);
            }
            if (captionsPerImage < 1 || captionsPerImage > ShapeCaptions.VARIANTS) {
                throw new InvalidInputException("captionsPerImage",
                        "must be in [1, " + ShapeCaptions.VARIANTS + "], was " + captionsPerImage);
            }
            if (heldOutFromTrain == null) {
                throw new InvalidInputException("heldOutFromTrain", "must not be null (use Set.of())");
            }
            heldOutFromTrain = Set.copyOf(heldOutFromTrain);
            if (trainImages > 0 && allCombinations().size() - heldOutFromTrain.size() < 2) {
                throw new InvalidInputException("heldOutFromTrain", "must leave at least two combinations for train");
            }
        }

        /** Seed 42, 1000/200/200 images of 64 px, 4 captions each, nothing held out. */
        public static Config defaults() {
            return new Config(42L, 1000, 200, 200, 64, 4, Set.of());
        }

        public Config withSeed(long newSeed) {
            return new Config(newSeed, trainImages, valImages, testImages, size, captionsPerImage, heldOutFromTrain);
        }

        public Config withSplitSizes(int train, int val, int test) {
            return new Config(seed, train, val, test, size, captionsPerImage, heldOutFromTrain);
        }

        public Config withSize(int newSize) {
            return new Config(seed, trainImages, valImages, testImages, newSize, captionsPerImage, heldOutFromTrain);
        }

        public Config withCaptionsPerImage(int n) {
            return new Config(seed, trainImages, valImages, testImages, size, n, heldOutFromTrain);
        }

        public Config withHeldOutFromTrain(Set<ColourShape> heldOut) {
            return new Config(seed, trainImages, valImages, testImages, size, captionsPerImage, heldOut);
        }

        private static void requireAtLeast(String name, int value, int min) {
            if (value < min) {
                throw new InvalidInputException(name, "must be >= " + min + ", was " + value);
            }
        }
    }

    /** The dataset (PNG bytes in memory) and each image's ground truth, keyed by image id. */
    public record Generated(Dataset dataset, Map<String, SceneSpec> scenes) {
        public Generated {
            scenes = Collections.unmodifiableMap(new LinkedHashMap<>(scenes));
        }
    }

    /** Every colour-shape combination the generator can draw. */
    public static List<ColourShape> allCombinations() {
        List<ColourShape> all = new ArrayList<>();
        for (SceneSpec.Colour c : SceneSpec.Colour.values()) {
            for (SceneSpec.Shape s : SceneSpec.Shape.values()) {
                all.add(new ColourShape(c, s));
            }
        }
        return all;
    }

    public static Dataset generate(Config cfg) {
        return generateWithScenes(cfg).dataset();
    }

    public static Generated generateWithScenes(Config cfg) {
        Objects.requireNonNull(cfg, "cfg");
        List<ColourShape> all = allCombinations();
        List<ColourShape> trainCombos = all.stream().filter(c -> !cfg.heldOutFromTrain().contains(c)).toList();
        int[] counts = {cfg.trainImages(), cfg.valImages(), cfg.testImages()};
        Map<String, SceneSpec> scenes = new LinkedHashMap<>();
        List<List<Sample>> splits = new ArrayList<>();
        for (int split = 0; split < SPLITS.size(); split++) {
            SceneSampler sampler = new SceneSampler(cfg.size(), split == 0 ? trainCombos : all);
            List<Sample> samples = new ArrayList<>(counts[split]);
            for (int i = 0; i < counts[split]; i++) {
                SplittableRandom rnd = new SplittableRandom(imageSeed(cfg.seed(), split, i));
                String id = String.format("%s_%05d.png", SPLITS.get(split), i);
                SceneSpec scene = sampler.sample(id, rnd);
                List<String> captions = ShapeCaptions.captions(scene, cfg.size(), cfg.captionsPerImage(), rnd);
                byte[] png = ShapeRenderer.renderPng(scene, cfg.size(), rnd);
                samples.add(new Sample(id, ImageSource.of(id, png), captions));
                scenes.put(id, scene);
            }
            splits.add(samples);
        }
        Dataset dataset = new Dataset("synthetic-shapes", splits.get(0), splits.get(1), splits.get(2));
        return new Generated(dataset, scenes);
    }

    /** A well-mixed, distinct seed per image (SplitMix64 finaliser over the three inputs). */
    private static long imageSeed(long seed, int split, int index) {
        long z = seed * 0x9E3779B97F4A7C15L + split * 0xD1B54A32D192ED03L + index * 0x8CB92BA72F3D8DD7L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Writes {@code dir/{train,val,test}/<id>.png} with {@code <id-without-.png>.txt} (one caption per
     * line) and {@code dir/scenes.json}; {@link FolderLoader} reads this layout back with the same
     * splits. Each file is written atomically.
     *
     * @throws InvalidInputException when {@code dir} exists and is not an empty directory, because
     *     leftover files would silently join the dataset
     */
    public static void writeTo(Path dir, Generated generated) throws IOException {
        if (Files.exists(dir) && !isEmptyDirectory(dir)) {
            throw new InvalidInputException(dir.toString(), "must be absent or an empty directory");
        }
        Dataset ds = generated.dataset();
        List<List<Sample>> splits = List.of(ds.train(), ds.val(), ds.test());
        for (int split = 0; split < SPLITS.size(); split++) {
            Path splitDir = Files.createDirectories(dir.resolve(SPLITS.get(split)));
            for (Sample s : splits.get(split)) {
                AtomicFiles.write(splitDir.resolve(s.imageId()), s.image().readBytes());
                String base = s.imageId().substring(0, s.imageId().lastIndexOf('.'));
                String text = String.join("\n", s.captions()) + "\n";
                AtomicFiles.write(splitDir.resolve(base + ".txt"), text.getBytes(StandardCharsets.UTF_8));
            }
        }
        List<SceneSpec> scenes = new ArrayList<>(generated.scenes().values());
        AtomicFiles.write(dir.resolve(SCENES_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(scenes));
    }

    private static boolean isEmptyDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    /** Reads the {@link #SCENES_FILE} that {@link #writeTo} wrote in {@code dir}, keyed by image id. */
    public static Map<String, SceneSpec> readScenes(Path dir) throws IOException {
        Path file = dir.resolve(SCENES_FILE);
        DatasetPaths.requireFile(file, "scene file");
        List<SceneSpec> scenes;
        try {
            scenes = JSON.readValue(Files.readAllBytes(file), new TypeReference<List<SceneSpec>>() {});
        } catch (JacksonException e) {
            throw new InvalidInputException(file.toString(), "not a scene list: " + e.getOriginalMessage(), e);
        }
        Map<String, SceneSpec> byId = new LinkedHashMap<>();
        scenes.forEach(s -> byId.put(s.imageId(), s));
        return Collections.unmodifiableMap(byId);
    }
}
