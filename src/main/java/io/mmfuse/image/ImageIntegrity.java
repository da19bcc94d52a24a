package io.mmfuse.image;

import io.mmfuse.image.ImageDecodeException.Reason;

/**
 * Checks that an encoded image is complete before it is decoded. Decoders differ in how they treat
 * cut-off files (libjpeg fills the missing rows with grey and only warns); a training or search
 * pipeline must not silently embed half an image, so a file that ends before its own structure
 * says it should is reported as {@link Reason#TRUNCATED}. Trailing bytes after the end are allowed.
 */
final class ImageIntegrity {
    private ImageIntegrity() {}

    /**
     * @throws ImageDecodeException TRUNCATED when the data ends early, CORRUPT when its structure is
     *     inconsistent
     */
    static void requireComplete(String name, ImageFormat format, byte[] data) {
        String problem;
        try {
            problem = switch (format) {
                case JPEG -> jpeg(data);
                case PNG -> png(data);
                case GIF -> gif(data);
                case BMP -> bmp(data);
                case WEBP -> webp(data);
                case TIFF -> tiff(data);
            };
        } catch (Bytes.EndOfData e) {
            problem = format + " data ends early: " + e.getMessage();
        } catch (IllegalStateException e) {
            throw new ImageDecodeException(name, Reason.CORRUPT, format + ": " + e.getMessage());
        }
        if (problem != null) {
            throw new ImageDecodeException(name, Reason.TRUNCATED, problem);
        }
    }

    /** Follows segments and entropy-coded scans until the EOI marker (progressive files have many scans). */
    private static String jpeg(byte[] d) {
        int n = d.length;
        int pos = 2;
        while (pos < n) {
            if ((d[pos] & 0xFF) != 0xFF) {
                pos++; // stray byte between segments: libjpeg skips these too
                continue;
            }
            if (pos + 1 >= n) {
                break;
            }
            int marker = d[pos + 1] & 0xFF;
            if (marker == 0xD9) {
                return null;
            }
            if (marker == 0xFF || marker == 0x00 || ImageHeader.isStandalone(marker)) {
                pos += marker == 0xFF ? 1 : 2;
                continue;
            }
            int segmentEnd = pos + 2 + Bytes.u16be(d, pos + 2);
            if (segmentEnd > n) {
                break;
            }
            pos = segmentEnd;
            if (marker == 0xDA) {
                pos = skipEntropyCoded(d, pos);
            }
        }
        return "JPEG ends before its end-of-image marker (FFD9)";
    }

    /** Returns the offset of the next real marker after scan data (FF00 is a stuffed byte, FFD0-D7 restarts). */
    private static int skipEntropyCoded(byte[] d, int pos) {
        int n = d.length;
        while (pos + 1 < n) {
            if ((d[pos] & 0xFF) == 0xFF) {
                int next = d[pos + 1] & 0xFF;
                if (next != 0x00 && !(next >= 0xD0 && next <= 0xD7) && next != 0xFF) {
                    return pos;
                }
                pos += next == 0xFF ? 1 : 2;
            } else {
                pos++;
            }
        }
        return n;
    }

    private static String png(byte[] d) {
        long pos = 8;
        while (true) {
            long length = Bytes.u32be(d, pos);
            boolean end = Bytes.ascii(d, (int) pos + 4, "IEND");
            long next = pos + 12 + length;
            if (next > d.length) {
                return "PNG chunk at byte " + pos + " needs " + (next - d.length) + " more bytes";
            }
            if (end) {
                return null;
            }
            pos = next;
        }
    }

    private static String gif(byte[] d) {
        GifBlocks.firstFrame(d); // throws EndOfData when the first frame's data is cut off
        return null;
    }

    private static String bmp(byte[] d) {
        long dib = Bytes.u32le(d, 14);
        long pixelOffset = Bytes.u32le(d, 10);
        long width;
        long height;
        int bitsPerPixel;
        long compression = 0;
        if (dib == 12) {
            width = Bytes.u16le(d, 18);
            height = Bytes.u16le(d, 20);
            bitsPerPixel = Bytes.u16le(d, 24);
        } else {
            width = (int) Bytes.u32le(d, 18);
            height = Math.abs((long) (int) Bytes.u32le(d, 22));
            bitsPerPixel = Bytes.u16le(d, 28);
            compression = Bytes.u32le(d, 30);
        }
        boolean uncompressed = compression == 0 || compression == 3 || compression == 6;
        if (!uncompressed) {
            return null; // RLE/JPEG/PNG payloads have no fixed size; the decoder has to judge them
        }
        long stride = (width * bitsPerPixel + 31) / 32 * 4;
        long needed = pixelOffset + stride * height;
        return needed > d.length ? "BMP pixel data needs " + needed + " bytes, file has " + d.length : null;
    }

    private static String webp(byte[] d) {
        long riffEnd = 8 + Bytes.u32le(d, 4);
        return riffEnd > d.length ? "WebP RIFF container needs " + riffEnd + " bytes, file has " + d.length : null;
    }

    private static String tiff(byte[] d) {
        TiffDirectory ifd = TiffDirectory.first(d);
        boolean tiled = ifd.count(TiffDirectory.TILE_OFFSETS) > 0;
        int offsetsTag = tiled ? TiffDirectory.TILE_OFFSETS : TiffDirectory.STRIP_OFFSETS;
        int countsTag = tiled ? TiffDirectory.TILE_BYTE_COUNTS : TiffDirectory.STRIP_BYTE_COUNTS;
        long pieces = ifd.count(offsetsTag);
        if (pieces == 0 || ifd.count(countsTag) != pieces) {
            throw new IllegalStateException("strip/tile offsets and byte counts missing or inconsistent");
        }
        for (long i = 0; i < pieces; i++) {
            long end = ifd.value(offsetsTag, i) + ifd.value(countsTag, i);
            if (end < 0 || end > d.length) {
                return "TIFF " + (tiled ? "tile " : "strip ") + i + " ends at byte " + end + ", file has " + d.length;
            }
        }
        return null;
    }
}
