package io.mmfuse.data;

import io.mmfuse.InvalidInputException;
import io.mmfuse.image.ImageSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Loads a folder of images with same-named caption files ({@code cat.jpg} + {@code cat.txt}, one
 * caption per line, UTF-8; blank lines ignored). Image ids are file names.
 *
 * <p>Two layouts:
 *
 * <ul>
 *   <li><b>pre-split</b>: when the folder has a {@code train/} subfolder, {@code train/},
 *       {@code val/} and {@code test/} (the last two optional) are the splits, as written by
 *       {@link SyntheticShapes#writeTo}; the fractions are not used;
 *   <li><b>flat</b>: otherwise all images are shuffled with the seed (after sorting by name, so the
 *       result does not depend on directory listing order) and cut by the fractions.
 * </ul>
 *
 * <p>An image without a caption file becomes a sample without captions (reported by
 * {@link DatasetValidator}); a caption file without an image is listed in
 * {@link DatasetReport#captionsWithoutImage()}. Hidden files (leading dot) and other extensions are
 * ignored. Invalid UTF-8 in a caption file throws {@link DatasetFormatException} with the line.
 */
public final class FolderLoader {
    private static final String CAPTION_EXTENSION = "txt";

    /**
     * @param imageExtensions lower-case extensions without dot that count as images
     */
    public record Options(double trainFraction, double valFraction, double testFraction, long seed,
            Set<String> imageExtensions) {
        public Options {
            checkFraction("trainFraction", trainFraction);
            checkFraction("valFraction", valFraction);
            checkFraction("testFraction", testFraction);
            double sum = trainFraction + valFraction + testFraction;
            if (Math.abs(sum - 1.0) > 1e-6) {
                throw new InvalidInputException("fractions", "train + val + test must be 1, was " + sum);
            }
            if (imageExtensions == null || imageExtensions.isEmpty()) {
                throw new InvalidInputException("imageExtensions", "must not be empty");
            }
            imageExtensions = imageExtensions.stream().map(e -> e.toLowerCase(Locale.ROOT))
                    .collect(Collectors.toUnmodifiableSet());
        }

        public static Options defaults() {
            return new Options(0.8, 0.1, 0.1, 0L, Set.of("jpg", "jpeg", "png", "bmp", "webp"));
        }

        public Options withFractions(double train, double val, double test) {
            return new Options(train, val, test, seed, imageExtensions);
        }

        public Options withSeed(long newSeed) {
            return new Options(trainFraction, valFraction, testFraction, newSeed, imageExtensions);
        }

        private static void checkFraction(String name, double f) {
            if (!(f >= 0.0 && f <= 1.0)) {
                throw new InvalidInputException(name, "must be in [0, 1], was " + f);
            }
        }
    }

    private final Options options;

    public FolderLoader() {
        this(Options.defaults());
    }

    public FolderLoader(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public Dataset load(Path dir) throws IOException {
        return loadWithReport(dir).dataset();
    }

    public LoadResult loadWithReport(Path dir) throws IOException {
        DatasetPaths.requireDirectory(dir, "image folder");
        List<String> orphans = new ArrayList<>();
        String name = DatasetPaths.folderName(dir);
        Dataset dataset;
        if (Files.isDirectory(dir.resolve("train"))) {
            dataset = new Dataset(name, readFolder(dir.resolve("train"), "train/", orphans),
                    readOptionalFolder(dir.resolve("val"), "val/", orphans),
                    readOptionalFolder(dir.resolve("test"), "test/", orphans));
        } else {
            dataset = split(name, readFolder(dir, "", orphans));
        }
        return new LoadResult(dataset, new DatasetReport(List.of(), List.of(), orphans));
    }

    private Dataset split(String name, List<Sample> samples) {
        List<Sample> shuffled = new ArrayList<>(samples);
        SplittableRandom rnd = new SplittableRandom(options.seed());
        for (int i = shuffled.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            shuffled.set(i, shuffled.set(j, shuffled.get(i)));
        }
        int n = shuffled.size();
        int nVal = (int) Math.round(n * options.valFraction());
        int nTest = Math.min((int) Math.round(n * options.testFraction()), n - nVal);
        int nTrain = n - nVal - nTest;
        return new Dataset(name, sorted(shuffled.subList(0, nTrain)),
                sorted(shuffled.subList(nTrain, nTrain + nVal)),
                sorted(shuffled.subList(nTrain + nVal, n)));
    }

    private static List<Sample> sorted(List<Sample> samples) {
        return samples.stream().sorted(Comparator.comparing(Sample::imageId)).toList();
    }

    private List<Sample> readOptionalFolder(Path folder, String prefix, List<String> orphans) throws IOException {
        return Files.isDirectory(folder) ? readFolder(folder, prefix, orphans) : List.of();
    }

    private List<Sample> readFolder(Path folder, String prefix, List<String> orphans) throws IOException {
        Map<String, Path> captionFiles = new TreeMap<>();
        Map<String, Path> images = new TreeMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String fileName = file.getFileName().toString();
                int dot = fileName.lastIndexOf('.');
                if (fileName.startsWith(".") || dot <= 0 || !Files.isRegularFile(file)) {
                    continue;
                }
                String ext = fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
                if (ext.equals(CAPTION_EXTENSION)) {
                    captionFiles.put(fileName.substring(0, dot), file);
                } else if (options.imageExtensions().contains(ext)) {
                    images.put(fileName, file);
                }
            }
        }
        Map<String, List<String>> captionsByBase = new HashMap<>();
        List<Sample> samples = new ArrayList<>();
        for (Map.Entry<String, Path> image : images.entrySet()) {
            String base = image.getKey().substring(0, image.getKey().lastIndexOf('.'));
            Path captionFile = captionFiles.get(base);
            List<String> captions = captionsByBase.get(base);
            if (captions == null) {
                captions = captionFile == null ? List.of() : readCaptions(captionFile);
                captionsByBase.put(base, captions);
            }
            samples.add(new Sample(image.getKey(), ImageSource.of(image.getValue()), captions));
        }
        Set<String> imageBases = images.keySet().stream()
                .map(n -> n.substring(0, n.lastIndexOf('.'))).collect(Collectors.toSet());
        captionFiles.forEach((base, file) -> {
            if (!imageBases.contains(base)) {
                orphans.add(prefix + file.getFileName());
            }
        });
        return samples;
    }

    private static List<String> readCaptions(Path file) throws IOException {
        List<String> captions = new ArrayList<>();
        Utf8Lines.read(file, (number, line) -> {
            String caption = line.strip();
            if (!caption.isEmpty()) {
                captions.add(caption);
            }
        });
        return captions;
    }
}
