package io.mmfuse.cli;

import io.mmfuse.InvalidInputException;
import io.mmfuse.image.ImageSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Lists a directory's regular files in name order; the decoder decides what is an image. */
final class ImageFiles {
    private ImageFiles() {
    }

    static List<ImageSource> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException(dir.toString(), "is not a directory");
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .filter(p -> !p.getFileName().toString().endsWith(".txt"))
                    .sorted()
                    .map(ImageSource::of)
                    .toList();
        }
    }
}
