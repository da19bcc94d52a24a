package io.mmfuse.bench;

import io.mmfuse.image.ImageSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The image benchmarks' input: the first {@code count} JPEGs of the image folder in name order
 * (the Python anchors take the same ones), read into memory so that disk reads stay out of the
 * measurement on both sides.
 */
final class BenchImages {
    static final int COUNT = 256;

    private BenchImages() {}

    static List<ImageSource> load(Path dir, int count) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().toLowerCase().endsWith(".jpg"))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
                    .limit(count)
                    .toList();
        }
        if (files.size() < count) {
            throw new IllegalStateException(dir + " holds " + files.size() + " JPEGs, the benchmark needs " + count);
        }
        List<ImageSource> sources = new ArrayList<>(count);
        for (Path f : files) {
            sources.add(ImageSource.of(f.getFileName().toString(), Files.readAllBytes(f)));
        }
        return sources;
    }
}
