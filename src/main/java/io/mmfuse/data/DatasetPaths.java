package io.mmfuse.data;

import io.mmfuse.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Existence checks that name the missing path, shared by the loaders. */
final class DatasetPaths {
    private DatasetPaths() {}

    static void requireDirectory(Path dir, String what) {
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException(dir.toString(), what + " not found or not a directory");
        }
    }

    static void requireFile(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException(file.toString(), what + " not found or not a regular file");
        }
    }

    /** The last path element, for naming a dataset after its folder. */
    static String folderName(Path dir) {
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return name == null ? dir.toString() : name.toString();
    }
}
