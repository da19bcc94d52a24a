package io.mmfuse.data;

import io.mmfuse.image.ImageSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Loads the Flickr8k layout: {@code captions.tsv} ({@code image_file<TAB>caption}, several lines
 * per image, UTF-8, no header), {@code images/}, and {@code splits/{train,val,test}.txt} with one
 * image file name per line.
 *
 * <p>Error policy:
 *
 * <ul>
 *   <li>Invalid UTF-8 anywhere in a file makes that file fail: {@link DatasetFormatException} lists
 *       every bad line with its number. Guessing another encoding would silently corrupt captions.
 *   <li>Malformed caption lines (blank, no tab, more than one tab, empty or path-like file name,
 *       empty caption) are skipped and listed with their line numbers in
 *       {@link DatasetReport#skippedLines()}; with {@link Options#failOnMalformedLines()} they
 *       throw {@link DatasetFormatException} instead. Split list lines with a path-like name are
 *       treated the same way; blank split lines are ignored.
 *   <li>Every split entry becomes a {@link Sample}, even when its image file is missing or it has
 *       no captions, so that {@link DatasetValidator} can report it; the loader does not check
 *       that image files exist. Duplicate split entries are kept for the same reason.
 *   <li>A missing root, captions file or split list throws {@link io.mmfuse.InvalidInputException}
 *       naming the path.
 * </ul>
 */
public final class CaptionsTsvLoader {
    private static final List<String> SPLITS = List.of("train", "val", "test");

    /** File and folder names relative to the dataset root. */
    public record Options(String captionsFile, String imagesDir, String splitsDir, boolean failOnMalformedLines) {
        public Options {
            Objects.requireNonNull(captionsFile, "captionsFile");
            Objects.requireNonNull(imagesDir, "imagesDir");
            Objects.requireNonNull(splitsDir, "splitsDir");
        }

        public static Options defaults() {
            return new Options("captions.tsv", "images", "splits", false);
        }

        public Options withFailOnMalformedLines(boolean fail) {
            return new Options(captionsFile, imagesDir, splitsDir, fail);
        }
    }

    private final Options options;

    public CaptionsTsvLoader() {
        this(Options.defaults());
    }

    public CaptionsTsvLoader(Options options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public Dataset load(Path root) throws IOException {
        return loadWithReport(root).dataset();
    }

    public LoadResult loadWithReport(Path root) throws IOException {
        DatasetPaths.requireDirectory(root, "dataset folder");
        Path captionsFile = root.resolve(options.captionsFile());
        DatasetPaths.requireFile(captionsFile, "captions file");
        List<LineIssue> skipped = new ArrayList<>();
        Map<String, List<String>> captions = readCaptions(captionsFile, skipped);

        Path imagesDir = root.resolve(options.imagesDir());
        Map<String, List<Sample>> splits = new LinkedHashMap<>();
        Set<String> inSomeSplit = new HashSet<>();
        for (String split : SPLITS) {
            List<Sample> samples = new ArrayList<>();
            for (String name : readSplit(root.resolve(options.splitsDir()).resolve(split + ".txt"), skipped)) {
                inSomeSplit.add(name);
                samples.add(new Sample(name, ImageSource.of(imagesDir.resolve(name)),
                        captions.getOrDefault(name, List.of())));
            }
            splits.put(split, samples);
        }
        if (options.failOnMalformedLines() && !skipped.isEmpty()) {
            throw new DatasetFormatException(root.toString(), skipped);
        }

        List<String> unsplit = new ArrayList<>();
        List<String> withoutImage = new ArrayList<>();
        for (String name : captions.keySet()) {
            if (!inSomeSplit.contains(name)) {
                (Files.isRegularFile(imagesDir.resolve(name)) ? unsplit : withoutImage).add(name);
            }
        }
        Dataset dataset = new Dataset(DatasetPaths.folderName(root),
                splits.get("train"), splits.get("val"), splits.get("test"));
        return new LoadResult(dataset, new DatasetReport(skipped, unsplit, withoutImage));
    }

    private static Map<String, List<String>> readCaptions(Path file, List<LineIssue> skipped) throws IOException {
        Map<String, List<String>> captions = new LinkedHashMap<>();
        String fileName = file.toString();
        Utf8Lines.read(file, (number, line) -> {
            String problem = null;
            int tab = line.indexOf('\t');
            if (line.isBlank()) {
                problem = "blank line";
            } else if (tab < 0) {
                problem = "no tab between image file name and caption";
            } else if (line.indexOf('\t', tab + 1) >= 0) {
                problem = "more than one tab";
            }
            String image = problem == null ? line.substring(0, tab).strip() : "";
            String caption = problem == null ? line.substring(tab + 1).strip() : "";
            if (problem == null) {
                problem = ImageNames.problem(image);
            }
            if (problem == null && caption.isEmpty()) {
                problem = "empty caption";
            }
            if (problem != null) {
                skipped.add(new LineIssue(fileName, number, problem));
            } else {
                captions.computeIfAbsent(image, k -> new ArrayList<>()).add(caption);
            }
        });
        return captions;
    }

    private static List<String> readSplit(Path file, List<LineIssue> skipped) throws IOException {
        DatasetPaths.requireFile(file, "split list");
        List<String> names = new ArrayList<>();
        String fileName = file.toString();
        Utf8Lines.read(file, (number, line) -> {
            String name = line.strip();
            if (name.isEmpty()) {
                return;
            }
            String problem = ImageNames.problem(name);
            if (problem != null) {
                skipped.add(new LineIssue(fileName, number, problem));
            } else {
                names.add(name);
            }
        });
        return names;
    }
}
