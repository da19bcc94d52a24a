package io.mmfuse.collection;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collection;
import java.util.function.Consumer;

/**
 * The full state of a collection at one log generation: magic, dimension, item count, one framed
 * ADD record per item (as in {@link RecordLog}) and an end marker. It is written to a temp file,
 * forced and renamed into place, so a snapshot that exists is complete; any damage found while
 * reading one is corruption, never a crash artefact.
 */
final class SnapshotFile {
    private static final byte[] MAGIC = "MMFSNP01".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "MMFSEND1".getBytes(StandardCharsets.US_ASCII);

    private SnapshotFile() {
    }

    /** Writes items to {@code target} atomically (temp file, fsync, rename, directory fsync). */
    static void write(Path target, int dimension, Collection<CollectionItem> items) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream raw = Channels.newOutputStream(ch);
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16));
            out.write(MAGIC);
            out.writeInt(dimension);
            out.writeLong(items.size());
            for (CollectionItem item : items) {
                byte[] p = ItemCodec.encodeAdd(item);
                out.writeInt(p.length);
                out.writeInt(RecordLog.crc32(p));
                out.write(p);
            }
            out.write(END);
            out.flush();
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        DurableFiles.forceDirectory(target.getParent());
    }

    /** Feeds every item to {@code sink} in stored order; throws CollectionCorruptedException on any damage. */
    static void read(Path file, int dimension, Consumer<CollectionItem> sink) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all);
        try {
            byte[] magic = new byte[MAGIC.length];
            b.get(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new CollectionCorruptedException(file, "not a mmfuse snapshot (bad magic)");
            }
            int dim = b.getInt();
            if (dim != dimension) {
                throw new CollectionCorruptedException(file, "dimension " + dim + " differs from the manifest's " + dimension);
            }
            long count = b.getLong();
            for (long i = 0; i < count; i++) {
                int len = b.getInt();
                int crc = b.getInt();
                if (len <= 0 || len > b.remaining()) {
                    throw new CollectionCorruptedException(file, "item " + i + " has an impossible length " + len);
                }
                byte[] p = new byte[len];
                b.get(p);
                if (RecordLog.crc32(p) != crc) {
                    throw new CollectionCorruptedException(file, "checksum mismatch in item " + i);
                }
                ItemCodec.Mutation m = ItemCodec.decode(ByteBuffer.wrap(p), dimension);
                if (m.op() != ItemCodec.ADD) {
                    throw new CollectionCorruptedException(file, "item " + i + " is not an ADD record");
                }
                sink.accept(m.item());
            }
            byte[] end = new byte[END.length];
            b.get(end);
            if (!Arrays.equals(end, END) || b.hasRemaining()) {
                throw new CollectionCorruptedException(file, "missing end marker or trailing bytes");
            }
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new CollectionCorruptedException(file, "truncated or malformed: " + e.getMessage(), e);
        }
    }
}
