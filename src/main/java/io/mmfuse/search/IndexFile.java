package io.mmfuse.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mmfuse.MmfuseException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * One-file persistence of a {@link StoredIndex}: magic, a JSON header (format version, model
 * fingerprint, modality, shape), ids and labels, little-endian float32 vectors, and a CRC32 of
 * everything before it. Written to a temp file in the same directory, forced to disk, then
 * renamed over the target, so a crash leaves either the old file or the new one.
 */
public final class IndexFile {
    private static final byte[] MAGIC = "MMFIDX01".getBytes(StandardCharsets.US_ASCII);
    public static final int FORMAT_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private IndexFile() {
    }

    public static void save(StoredIndex index, Path target) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
            CRC32 crc = new CRC32();
            try (OutputStream file = Files.newOutputStream(tmp);
                    CheckedOutputStream checked = new CheckedOutputStream(new java.io.BufferedOutputStream(file, 1 << 16), crc);
                    DataOutputStream out = new DataOutputStream(checked)) {
                out.write(MAGIC);
                ObjectNode header = JSON.createObjectNode();
                header.put("format_version", FORMAT_VERSION);
                header.put("model_fingerprint", index.modelFingerprint());
                header.put("modality", index.modality().name());
                header.put("rows", index.vectors().rows());
                header.put("dim", index.vectors().cols());
                byte[] h = JSON.writeValueAsBytes(header);
                out.writeInt(h.length);
                out.write(h);
                for (int i = 0; i < index.size(); i++) {
                    writeString(out, index.ids().get(i));
                    writeString(out, index.labels().get(i));
                }
                ByteBuffer buf = ByteBuffer.allocate(4 * 4096).order(ByteOrder.LITTLE_ENDIAN);
                float[] v = index.vectors().data();
                for (int i = 0; i < v.length; i++) {
                    if (!buf.hasRemaining()) {
                        out.write(buf.array(), 0, buf.position());
                        buf.clear();
                    }
                    buf.putFloat(v[i]);
                }
                out.write(buf.array(), 0, buf.position());
                out.flush();
                new DataOutputStream(file).writeLong(crc.getValue());
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            tmp = null;
        } catch (IOException e) {
            throw new MmfuseException("cannot write index " + target + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the temp name never shadows a real index
                }
            }
        }
    }

    public static StoredIndex load(Path source) {
        CRC32 crc = new CRC32();
        try (InputStream file = new java.io.BufferedInputStream(Files.newInputStream(source), 1 << 16);
                CheckedInputStream checked = new CheckedInputStream(file, crc)) {
            DataInputStream in = new DataInputStream(checked);
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) {
                throw corrupt(source, "not an mmfuse index file (bad magic)");
            }
            int hLen = in.readInt();
            if (hLen <= 0 || hLen > 1 << 20) {
                throw corrupt(source, "bad header length " + hLen);
            }
            byte[] h = new byte[hLen];
            in.readFully(h);
            var header = JSON.readTree(h);
            int version = header.path("format_version").asInt(-1);
            if (version != FORMAT_VERSION) {
                throw new MmfuseException(source + ": index format version " + version
                        + " is not supported (this build reads " + FORMAT_VERSION + ")");
            }
            int rows = header.path("rows").asInt(-1);
            int dim = header.path("dim").asInt(-1);
            if (rows < 0 || dim <= 0) {
                throw corrupt(source, "bad shape " + rows + "x" + dim);
            }
            List<String> ids = new ArrayList<>(rows);
            List<String> labels = new ArrayList<>(rows);
            for (int i = 0; i < rows; i++) {
                ids.add(readString(in));
                labels.add(readString(in));
            }
            float[] v = new float[Math.multiplyExact(rows, dim)];
            byte[] raw = new byte[4 * 4096];
            int done = 0;
            while (done < v.length) {
                int n = Math.min(4096, v.length - done);
                in.readFully(raw, 0, 4 * n);
                ByteBuffer.wrap(raw, 0, 4 * n).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v, done, n);
                done += n;
            }
            long expected = crc.getValue();
            long stored = new DataInputStream(file).readLong();
            if (stored != expected) {
                throw corrupt(source, "checksum mismatch");
            }
            return new StoredIndex(header.path("model_fingerprint").asText(),
                    StoredIndex.Modality.valueOf(header.path("modality").asText()), ids, labels,
                    new FloatMatrix(rows, dim, v));
        } catch (java.io.EOFException e) {
            throw corrupt(source, "file is truncated");
        } catch (IOException | IllegalArgumentException e) {
            throw corrupt(source, e.getMessage());
        }
    }

    private static MmfuseException corrupt(Path source, String why) {
        return new MmfuseException("index file " + source + " is unreadable: " + why);
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > 1 << 24) {
            throw new IOException("bad string length " + n);
        }
        byte[] b = new byte[n];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
