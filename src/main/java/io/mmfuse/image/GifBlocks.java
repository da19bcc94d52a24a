package io.mmfuse.image;

/**
 * Walks a GIF's block structure up to the end of its first frame, which is all the decoder uses.
 * Reads past the end throw {@link Bytes.EndOfData}.
 */
final class GifBlocks {
    /** Logical screen and first-frame geometry, and where the first frame's data ends. */
    record FirstFrame(int screenWidth, int screenHeight, int left, int top, int width, int height, long end) {}

    private GifBlocks() {}

    /** @throws IllegalStateException when the data holds no frame or an unknown block */
    static FirstFrame firstFrame(byte[] d) {
        int screenW = Bytes.u16le(d, 6);
        int screenH = Bytes.u16le(d, 8);
        int packed = Bytes.u8(d, 10);
        long pos = 13 + colorTableSize(packed);
        while (true) {
            int introducer = Bytes.u8(d, pos);
            if (introducer == 0x21) { // extension: label byte, then data sub-blocks
                pos = skipSubBlocks(d, pos + 2);
            } else if (introducer == 0x2C) { // image descriptor
                int left = Bytes.u16le(d, pos + 1);
                int top = Bytes.u16le(d, pos + 3);
                int w = Bytes.u16le(d, pos + 5);
                int h = Bytes.u16le(d, pos + 7);
                int localPacked = Bytes.u8(d, pos + 9);
                long dataStart = pos + 10 + colorTableSize(localPacked) + 1; // +1: LZW minimum code size
                long end = skipSubBlocks(d, dataStart);
                return new FirstFrame(screenW, screenH, left, top, w, h, end);
            } else if (introducer == 0x3B) {
                throw new IllegalStateException("GIF ends (trailer) before any frame");
            } else {
                throw new IllegalStateException(String.format("unknown GIF block 0x%02X at byte %d", introducer, pos));
            }
        }
    }

    private static long colorTableSize(int packed) {
        return (packed & 0x80) != 0 ? 3L * (1 << ((packed & 7) + 1)) : 0;
    }

    private static long skipSubBlocks(byte[] d, long pos) {
        while (true) {
            int len = Bytes.u8(d, pos);
            pos += 1 + len;
            if (len == 0) {
                return pos;
            }
        }
    }
}
