package io.mmfuse.image;

import java.nio.charset.StandardCharsets;

/** Bounds-checked reads of little/big-endian integers from encoded image bytes. */
final class Bytes {
    /** A read ran past the end of the data: the file is shorter than its own structure says. */
    static final class EndOfData extends RuntimeException {
        EndOfData(long offset, int length) {
            super("needs byte " + offset + " but the data has " + length, null, false, false);
        }
    }

    private Bytes() {}

    static int u8(byte[] d, long off) {
        check(d, off, 1);
        return d[(int) off] & 0xFF;
    }

    static int u16le(byte[] d, long off) {
        check(d, off, 2);
        int i = (int) off;
        return (d[i] & 0xFF) | (d[i + 1] & 0xFF) << 8;
    }

    static int u16be(byte[] d, long off) {
        check(d, off, 2);
        int i = (int) off;
        return (d[i] & 0xFF) << 8 | (d[i + 1] & 0xFF);
    }

    static long u32le(byte[] d, long off) {
        return u16le(d, off) | (long) u16le(d, off + 2) << 16;
    }

    static long u32be(byte[] d, long off) {
        return (long) u16be(d, off) << 16 | u16be(d, off + 2);
    }

    /** Unsigned 64-bit value; values above Long.MAX_VALUE come back negative, which callers treat as out of range. */
    static long u64le(byte[] d, long off) {
        return u32le(d, off) | u32le(d, off + 4) << 32;
    }

    static long u64be(byte[] d, long off) {
        return u32be(d, off) << 32 | u32be(d, off + 4);
    }

    static boolean ascii(byte[] d, int off, String expected) {
        if (off < 0 || off + expected.length() > d.length) {
            return false;
        }
        byte[] e = expected.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < e.length; i++) {
            if (d[off + i] != e[i]) {
                return false;
            }
        }
        return true;
    }

    static void check(byte[] d, long off, int n) {
        if (off < 0 || off + n > d.length) {
            throw new EndOfData(off + n - 1, d.length);
        }
    }
}
