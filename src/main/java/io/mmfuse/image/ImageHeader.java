package io.mmfuse.image;

import io.mmfuse.image.ImageDecodeException.Reason;

/**
 * Format and pixel size as declared by an image's header, read without decoding any pixel data, so
 * that a decompression bomb (a small file declaring a huge canvas) is refused before OpenCV
 * allocates for it.
 *
 * @param format the sniffed format
 * @param width declared width in pixels (for GIF: the larger of the logical screen and the first frame's extent)
 * @param height declared height in pixels
 */
public record ImageHeader(ImageFormat format, long width, long height) {
    /** Declared width x height. */
    public long pixels() {
        return width * height;
    }

    /**
     * Reads the header of {@code data}.
     *
     * @param name the source name used in error messages
     * @throws ImageDecodeException EMPTY, UNSUPPORTED_FORMAT, TRUNCATED (header cut off) or CORRUPT
     *     (header inconsistent or declaring a zero size)
     */
    public static ImageHeader read(String name, byte[] data) {
        if (data.length == 0) {
            throw new ImageDecodeException(name, Reason.EMPTY, "0 bytes");
        }
        ImageFormat format = ImageFormat.sniff(data).orElseThrow(() -> new ImageDecodeException(name,
                Reason.UNSUPPORTED_FORMAT, ImageFormat.describeUnsupported(data)
                        + "; supported: JPEG, PNG, GIF, BMP, WebP, TIFF"));
        ImageHeader header;
        try {
            header = switch (format) {
                case PNG -> png(data);
                case JPEG -> jpeg(data);
                case GIF -> gif(data);
                case BMP -> bmp(data);
                case WEBP -> webp(data);
                case TIFF -> tiff(data);
            };
        } catch (Bytes.EndOfData e) {
            throw new ImageDecodeException(name, Reason.TRUNCATED, format + " header is cut off: " + e.getMessage());
        } catch (IllegalStateException e) {
            throw new ImageDecodeException(name, Reason.CORRUPT, format + " header: " + e.getMessage());
        }
        if (header.width <= 0 || header.height <= 0) {
            throw new ImageDecodeException(name, Reason.CORRUPT,
                    format + " header declares " + header.width + "x" + header.height + " pixels");
        }
        return header;
    }

    private static ImageHeader png(byte[] d) {
        if (!Bytes.ascii(d, 12, "IHDR")) {
            Bytes.check(d, 12, 4);
            throw new IllegalStateException("first chunk is not IHDR");
        }
        return new ImageHeader(ImageFormat.PNG, Bytes.u32be(d, 16), Bytes.u32be(d, 20));
    }

    /** Walks the marker segments up to the first start-of-frame (SOFn) marker. */
    private static ImageHeader jpeg(byte[] d) {
        long pos = 2;
        while (true) {
            if (Bytes.u8(d, pos) != 0xFF) {
                throw new IllegalStateException("expected a marker at byte " + pos);
            }
            int marker = Bytes.u8(d, pos + 1);
            if (marker == 0xFF) { // fill byte
                pos++;
                continue;
            }
            if (isStandalone(marker)) {
                pos += 2;
                continue;
            }
            if (isStartOfFrame(marker)) {
                long height = Bytes.u16be(d, pos + 5);
                long width = Bytes.u16be(d, pos + 7);
                if (height == 0) {
                    throw new IllegalStateException("height defined by a DNL marker is not supported");
                }
                return new ImageHeader(ImageFormat.JPEG, width, height);
            }
            if (marker == 0xDA || marker == 0xD9) {
                throw new IllegalStateException("no frame header (SOFn) before scan data");
            }
            pos += 2 + Bytes.u16be(d, pos + 2);
        }
    }

    static boolean isStandalone(int marker) {
        return marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8);
    }

    private static boolean isStartOfFrame(int marker) {
        // C4 (DHT), C8 (JPG extension) and CC (DAC) share the range but are not frames.
        return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    }

    private static ImageHeader gif(byte[] d) {
        GifBlocks.FirstFrame f = GifBlocks.firstFrame(d);
        long w = Math.max(f.screenWidth(), (long) f.left() + f.width());
        long h = Math.max(f.screenHeight(), (long) f.top() + f.height());
        if (f.width() == 0 || f.height() == 0) {
            throw new IllegalStateException("first frame is " + f.width() + "x" + f.height());
        }
        return new ImageHeader(ImageFormat.GIF, w, h);
    }

    private static ImageHeader bmp(byte[] d) {
        long dib = Bytes.u32le(d, 14);
        if (dib == 12) { // OS/2 BITMAPCOREHEADER: 16-bit fields
            return new ImageHeader(ImageFormat.BMP, Bytes.u16le(d, 18), Bytes.u16le(d, 20));
        }
        long w = (int) Bytes.u32le(d, 18); // signed
        long h = Math.abs((long) (int) Bytes.u32le(d, 22)); // negative height = top-down rows
        return new ImageHeader(ImageFormat.BMP, w, h);
    }

    private static ImageHeader webp(byte[] d) {
        if (Bytes.ascii(d, 12, "VP8 ")) {
            if (Bytes.u8(d, 23) != 0x9D || Bytes.u8(d, 24) != 0x01 || Bytes.u8(d, 25) != 0x2A) {
                throw new IllegalStateException("VP8 start code missing");
            }
            return new ImageHeader(ImageFormat.WEBP, Bytes.u16le(d, 26) & 0x3FFF, Bytes.u16le(d, 28) & 0x3FFF);
        }
        if (Bytes.ascii(d, 12, "VP8L")) {
            if (Bytes.u8(d, 20) != 0x2F) {
                throw new IllegalStateException("VP8L signature missing");
            }
            long bits = Bytes.u32le(d, 21);
            return new ImageHeader(ImageFormat.WEBP, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
        }
        if (Bytes.ascii(d, 12, "VP8X")) {
            long w = (Bytes.u16le(d, 24) | (long) Bytes.u8(d, 26) << 16) + 1;
            long h = (Bytes.u16le(d, 27) | (long) Bytes.u8(d, 29) << 16) + 1;
            return new ImageHeader(ImageFormat.WEBP, w, h);
        }
        Bytes.check(d, 12, 4);
        throw new IllegalStateException("first chunk is not VP8, VP8L or VP8X");
    }

    private static ImageHeader tiff(byte[] d) {
        TiffDirectory ifd = TiffDirectory.first(d);
        long w = ifd.value(TiffDirectory.IMAGE_WIDTH, 0);
        long h = ifd.value(TiffDirectory.IMAGE_LENGTH, 0);
        if (w < 0 || h < 0) {
            throw new IllegalStateException("ImageWidth or ImageLength tag missing");
        }
        return new ImageHeader(ImageFormat.TIFF, w, h);
    }
}
