package io.mmfuse.io;

import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * File-system steps of an atomic checkpoint directory, shared by every checkpoint format: fsync
 * files and directories, swap a finished temporary directory into place, copy a directory tree,
 * hash files.
 */
public final class CheckpointFiles {
    private CheckpointFiles() {
    }

    public static void fsync(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** Persists directory entries; best effort where the platform does not allow it. */
    public static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // best effort
        }
    }

    /**
     * Refuses to let a checkpoint write replace {@code target} unless it is absent, empty, or
     * already a checkpoint of this kind (it holds {@code markerFile}): a mistyped output path must
     * not delete someone's data.
     *
     * @throws InvalidInputException naming {@code field} otherwise
     */
    public static void refuseToReplaceOther(Path target, String markerFile, String field, String kind) {
        if (!Files.exists(target) || Files.isRegularFile(target.resolve(markerFile))) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new InvalidInputException(field, target + " exists and is not a directory");
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
            if (entries.iterator().hasNext()) {
                throw new InvalidInputException(field, target + " exists, is not empty and is not " + kind
                        + "; refusing to replace it");
            }
        } catch (IOException e) {
            throw new MmfuseException("cannot inspect " + target + ": " + e, e);
        }
    }

    /** Renames tmp to target; an existing target is renamed aside first and deleted afterwards. */
    public static void swapIn(Path tmp, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            old = target.resolveSibling("." + target.getFileName() + ".old-" + Long.toHexString(System.nanoTime()));
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (old != null) {
                Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            }
            throw e;
        }
        if (old != null) {
            deleteQuietly(old);
        }
    }

    /** Copies the regular files under {@code from} to {@code to} (created), fsynced, keeping relative paths. */
    public static void copyTree(Path from, Path to) throws IOException {
        List<Path> files;
        try (var walk = Files.walk(from)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        Files.createDirectories(to);
        for (Path f : files) {
            Path dst = to.resolve(from.relativize(f).toString());
            Files.createDirectories(dst.getParent());
            Files.copy(f, dst, StandardCopyOption.COPY_ATTRIBUTES);
            fsync(dst);
        }
        try (var walk = Files.walk(to)) {
            for (Path d : walk.filter(Files::isDirectory).toList()) {
                fsyncDirectory(d);
            }
        }
    }

    public static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // leftovers are dot-named siblings; harmless
                }
            });
        } catch (IOException ignored) {
            // same
        }
    }

    public static String sha256(Path file) throws IOException {
        MessageDigest md = digest();
        try (var in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
