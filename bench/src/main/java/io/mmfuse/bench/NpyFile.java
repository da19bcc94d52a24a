package io.mmfuse.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A 2-D little-endian float32 matrix in NumPy's .npy format (version 1.0, C order): the one file
 * format both the Java benchmarks and the Python anchors read, so both search the same bytes.
 * Reading maps the file; rows are copied out on demand, so a 1 GB database never sits on the heap.
 */
public final class NpyFile implements AutoCloseable {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\((\\d+),\\s*(\\d+),?\\)");

    private final FileChannel channel;
    private final FloatBuffer floats;
    private final int rows;
    private final int cols;

    private NpyFile(FileChannel channel, FloatBuffer floats, int rows, int cols) {
        this.channel = channel;
        this.floats = floats;
        this.rows = rows;
        this.cols = cols;
    }

    /** Writes {@code rows x cols} floats produced row by row by {@code source}, atomically. */
    public static void write(Path path, int rows, int cols, RowSource source) throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int headerLen = dict.length() + 1 + (64 - unpadded % 64) % 64; // total header a multiple of 64
        StringBuilder header = new StringBuilder(dict);
        while (header.length() < headerLen - 1) {
            header.append(' ');
        }
        header.append('\n');
        Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            out.write(MAGIC);
            out.write(new byte[] {1, 0, (byte) (headerLen & 0xFF), (byte) (headerLen >>> 8)});
            out.write(header.toString().getBytes(StandardCharsets.US_ASCII));
            float[] row = new float[cols];
            ByteBuffer bytes = ByteBuffer.allocate(cols * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int r = 0; r < rows; r++) {
                source.fill(r, row);
                bytes.clear();
                bytes.asFloatBuffer().put(row);
                out.write(bytes.array());
            }
        }
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static NpyFile open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            ByteBuffer head = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(head, 0);
            head.flip();
            for (byte b : MAGIC) {
                if (head.remaining() == 0 || head.get() != b) {
                    throw new IOException(path + ": not an .npy file");
                }
            }
            int major = head.get();
            head.get();
            if (major != 1) {
                throw new IOException(path + ": .npy version " + major + " not supported");
            }
            int headerLen = Short.toUnsignedInt(head.getShort());
            ByteBuffer dictBytes = ByteBuffer.allocate(headerLen);
            ch.read(dictBytes, 10);
            String dict = new String(dictBytes.array(), StandardCharsets.US_ASCII);
            if (!dict.contains("'<f4'") || dict.contains("'fortran_order': True")) {
                throw new IOException(path + ": expected little-endian float32 in C order, header " + dict.trim());
            }
            Matcher m = SHAPE.matcher(dict);
            if (!m.find()) {
                throw new IOException(path + ": expected a 2-D shape, header " + dict.trim());
            }
            int rows = Integer.parseInt(m.group(1));
            int cols = Integer.parseInt(m.group(2));
            long dataStart = 10L + headerLen;
            long bytes = (long) rows * cols * Float.BYTES;
            if (ch.size() != dataStart + bytes) {
                throw new IOException(path + ": size " + ch.size() + " does not match shape " + rows + "x" + cols);
            }
            if (bytes > Integer.MAX_VALUE) {
                throw new IOException(path + ": larger than one mapping (2 GiB)");
            }
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, dataStart, bytes);
            return new NpyFile(ch, map.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer(), rows, cols);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Copies rows [from, from + count) into {@code dst} from offset 0. */
    public void readRows(int from, int count, float[] dst) {
        if (from < 0 || count < 0 || from + count > rows || (long) count * cols > dst.length) {
            throw new IndexOutOfBoundsException("rows " + from + "+" + count + " of " + rows);
        }
        floats.duplicate().position(from * cols).get(dst, 0, count * cols);
    }

    public float[] readRows(int from, int count) {
        float[] out = new float[count * cols];
        readRows(from, count, out);
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Produces row {@code r} of a matrix being written. */
    @FunctionalInterface
    public interface RowSource {
        void fill(int r, float[] row);
    }
}
