package io.mmfuse.api;

import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.data.CaptionsTsvLoader;
import io.mmfuse.data.Dataset;
import io.mmfuse.data.FolderLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a dataset directory in whichever of the supported layouts it has. */
public final class Datasets {
    private Datasets() {
    }

    /**
     * A directory with {@code captions.tsv} (+ {@code images/}, {@code splits/}) is read as the
     * Flickr8k layout; any other directory as images with same-named {@code .txt} captions.
     */
    public static Dataset open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException(dir.toString(), "is not a directory");
        }
        try {
            if (Files.exists(dir.resolve("captions.tsv"))) {
                return new CaptionsTsvLoader().load(dir);
            }
            return new FolderLoader().load(dir);
        } catch (IOException e) {
            throw new MmfuseException("cannot read dataset " + dir + ": " + e.getMessage(), e);
        }
    }
}
