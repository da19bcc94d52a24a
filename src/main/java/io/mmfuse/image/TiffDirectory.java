package io.mmfuse.image;

/**
 * The first image file directory (IFD) of a classic or BigTIFF file: enough to read the image size
 * and where its strips or tiles lie, without libtiff. Reads past the end throw {@link Bytes.EndOfData}.
 */
final class TiffDirectory {
    static final int IMAGE_WIDTH = 256;
    static final int IMAGE_LENGTH = 257;
    static final int STRIP_OFFSETS = 273;
    static final int STRIP_BYTE_COUNTS = 279;
    static final int TILE_OFFSETS = 324;
    static final int TILE_BYTE_COUNTS = 325;

    private final byte[] data;
    private final boolean littleEndian;
    private final boolean big;
    private final long entriesStart;
    private final long entryCount;

    private TiffDirectory(byte[] data, boolean littleEndian, boolean big, long entriesStart, long entryCount) {
        this.data = data;
        this.littleEndian = littleEndian;
        this.big = big;
        this.entriesStart = entriesStart;
        this.entryCount = entryCount;
    }

    /** @throws IllegalStateException when the structure is inconsistent (not a size problem) */
    static TiffDirectory first(byte[] data) {
        boolean le = data[0] == 'I';
        TiffDirectory probe = new TiffDirectory(data, le, false, 0, 0);
        int version = probe.u16(2);
        boolean big = version == 43;
        long ifd;
        long count;
        long start;
        if (big) {
            if (probe.u16(4) != 8) {
                throw new IllegalStateException("BigTIFF offset size is not 8");
            }
            ifd = probe.u64(8);
            count = probe.u64(ifd);
            start = ifd + 8;
        } else {
            ifd = probe.u32(4);
            count = probe.u16(ifd);
            start = ifd + 2;
        }
        if (ifd < 8 || count < 0) {
            throw new IllegalStateException("first directory offset " + ifd + " is invalid");
        }
        long entrySize = big ? 20 : 12;
        if (count > (data.length - start) / entrySize + 1) {
            throw new Bytes.EndOfData(start + count * entrySize, data.length);
        }
        return new TiffDirectory(data, le, big, start, count);
    }

    /** Number of values of a tag, or 0 when the tag is absent. */
    long count(int tag) {
        long e = find(tag);
        return e < 0 ? 0 : (big ? u64(e + 4) : u32(e + 4));
    }

    /** The i-th value of an integer tag (BYTE, SHORT, LONG or LONG8); -1 when the tag is absent. */
    long value(int tag, long i) {
        long e = find(tag);
        if (e < 0) {
            return -1;
        }
        int type = u16(e + 2);
        int width = switch (type) {
            case 1 -> 1;
            case 3 -> 2;
            case 4 -> 4;
            case 16 -> 8;
            default -> throw new IllegalStateException("tag " + tag + " has non-integer type " + type);
        };
        long count = big ? u64(e + 4) : u32(e + 4);
        if (i < 0 || i >= count) {
            throw new IllegalStateException("tag " + tag + " has " + count + " values, asked for #" + i);
        }
        long field = e + (big ? 12 : 8);
        int inline = big ? 8 : 4;
        long base;
        if (count <= inline / width) {
            base = field;
        } else {
            base = big ? u64(field) : u32(field);
            if (base < 0 || count > (data.length - Math.min(base, data.length)) / width + 1) {
                throw new Bytes.EndOfData(base + count * width, data.length);
            }
        }
        long at = base + i * width;
        return switch (width) {
            case 1 -> Bytes.u8(data, at);
            case 2 -> u16(at);
            case 4 -> u32(at);
            default -> u64(at);
        };
    }

    private long find(int tag) {
        long entrySize = big ? 20 : 12;
        for (long k = 0; k < entryCount; k++) {
            long e = entriesStart + k * entrySize;
            if (u16(e) == tag) {
                return e;
            }
        }
        return -1;
    }

    private int u16(long off) {
        return littleEndian ? Bytes.u16le(data, off) : Bytes.u16be(data, off);
    }

    private long u32(long off) {
        return littleEndian ? Bytes.u32le(data, off) : Bytes.u32be(data, off);
    }

    private long u64(long off) {
        return littleEndian ? Bytes.u64le(data, off) : Bytes.u64be(data, off);
    }
}
