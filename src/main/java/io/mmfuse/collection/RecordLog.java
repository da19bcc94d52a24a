package io.mmfuse.collection;

import io.mmfuse.MmfuseException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An append-only file of framed records: an 8-byte magic, then per record a 4-byte payload length,
 * the payload's CRC32 and the payload. {@link #append} returns only after the records are forced
 * to disk, so a returned call is a durable one.
 *
 * <p>Recovery ({@link #openForAppend}) replays every intact record and truncates a torn tail: a
 * record whose header or payload runs past the end of the file, or whose length is impossible —
 * what a crash in the middle of a write leaves behind. A checksum mismatch <em>followed by more
 * data</em> cannot come from a crash of an append-only writer and is reported as corruption.
 */
final class RecordLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RecordLog.class);
    static final byte[] MAGIC = "MMFWAL01".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER = 8;
    /** Far above any legal record (16 Ki dims × 4 B plus id, label and metadata limits). */
    static final int MAX_RECORD = 64 << 20;

    private final Path path;
    private final FileChannel channel;
    private long size;
    private boolean failed;
    private long appends;

    private RecordLog(Path path, FileChannel channel, long size) {
        this.path = path;
        this.channel = channel;
        this.size = size;
    }

    /** Creates (or empties) a log file and forces its header. */
    static RecordLog create(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING);
        DurableFiles.writeFully(ch, ByteBuffer.wrap(MAGIC));
        ch.force(true);
        DurableFiles.forceDirectory(path.getParent());
        return new RecordLog(path, ch, MAGIC.length);
    }

    /**
     * Opens an existing log, feeds every intact record's payload to {@code replay} in order,
     * truncates a torn tail, and leaves the log ready to append after the last intact record.
     */
    static RecordLog openForAppend(Path path, Consumer<ByteBuffer> replay) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.READ);
        try {
            long end = ch.size();
            if (end < MAGIC.length) {
                // Crashed while creating the file: nothing was ever acknowledged from it.
                ch.truncate(0);
                DurableFiles.writeFully(ch, ByteBuffer.wrap(MAGIC).position(0));
                ch.force(true);
                return new RecordLog(path, ch, MAGIC.length);
            }
            ByteBuffer magic = ByteBuffer.allocate(MAGIC.length);
            readFully(ch, magic, 0);
            if (!java.util.Arrays.equals(magic.array(), MAGIC)) {
                throw new CollectionCorruptedException(path, "not a mmfuse write-ahead log (bad magic)");
            }
            long pos = MAGIC.length;
            ByteBuffer head = ByteBuffer.allocate(HEADER);
            while (pos < end) {
                if (end - pos < HEADER) {
                    return truncated(path, ch, pos, end, "incomplete record header");
                }
                head.clear();
                readFully(ch, head, pos);
                head.flip();
                int len = head.getInt();
                int crc = head.getInt();
                if (len <= 0 || len > MAX_RECORD) {
                    return truncated(path, ch, pos, end, "impossible record length " + len);
                }
                if (pos + HEADER + len > end) {
                    return truncated(path, ch, pos, end, "record runs past the end of the file");
                }
                ByteBuffer payload = ByteBuffer.allocate(len);
                readFully(ch, payload, pos + HEADER);
                if (crc32(payload.array()) != crc) {
                    if (pos + HEADER + len == end) {
                        return truncated(path, ch, pos, end, "checksum mismatch in the last record");
                    }
                    throw new CollectionCorruptedException(path, "checksum mismatch in the record at byte " + pos
                            + ", followed by " + (end - pos - HEADER - len) + " more bytes");
                }
                payload.flip();
                try {
                    replay.accept(payload);
                } catch (IllegalArgumentException e) {
                    throw new CollectionCorruptedException(path, "record at byte " + pos + " is malformed: " + e.getMessage(), e);
                }
                pos += HEADER + len;
            }
            ch.position(end);
            return new RecordLog(path, ch, end);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static RecordLog truncated(Path path, FileChannel ch, long pos, long end, String why) throws IOException {
        LOG.warn("{}: dropping a torn tail of {} bytes at byte {} ({}); it was never acknowledged", path, end - pos, pos, why);
        ch.truncate(pos);
        ch.force(true);
        ch.position(pos);
        return new RecordLog(path, ch, pos);
    }

    /** Appends the payloads as consecutive records and forces them to disk before returning. */
    void append(List<byte[]> payloads) {
        int total = 0;
        for (byte[] p : payloads) {
            total += HEADER + p.length;
        }
        ByteBuffer buf = ByteBuffer.allocate(total);
        for (byte[] p : payloads) {
            buf.putInt(p.length).putInt(crc32(p)).put(p);
        }
        buf.flip();
        if (failed) {
            throw new MmfuseException("the write-ahead log " + path + " failed earlier; reopen the collection to recover");
        }
        try {
            channel.position(size);
            DurableFiles.writeFully(channel, buf);
            channel.force(false);
            size += total;
            appends++;
        } catch (IOException e) {
            // The file may now hold a partial record; recovery will truncate it, but this log must not
            // be appended to again because its size is unknown.
            failed = true;
            throw new MmfuseException("writing the write-ahead log " + path + " failed: " + e.getMessage(), e);
        }
    }

    long size() {
        return size;
    }

    /** Number of forced appends since opening (one per group commit). */
    long appends() {
        return appends;
    }

    Path path() {
        return path;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int crc32(byte[] bytes) {
        CRC32 c = new CRC32();
        c.update(bytes);
        return (int) c.getValue();
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }
}
