package io.mmfuse.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/** Where an image's encoded bytes come from; {@link #name()} is what errors and reports show. */
public sealed interface ImageSource permits ImageSource.FromFile, ImageSource.FromBytes {
    String name();

    byte[] readBytes() throws IOException;

    static ImageSource of(Path path) {
        return new FromFile(path);
    }

    static ImageSource of(String name, byte[] bytes) {
        return new FromBytes(name, bytes);
    }

    record FromFile(Path path) implements ImageSource {
        public FromFile {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String name() {
            return path.toString();
        }

        @Override
        public byte[] readBytes() throws IOException {
            return Files.readAllBytes(path);
        }
    }

    record FromBytes(String name, byte[] bytes) implements ImageSource {
        public FromBytes {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(bytes, "bytes");
        }

        @Override
        public byte[] readBytes() {
            return bytes;
        }
    }
}
