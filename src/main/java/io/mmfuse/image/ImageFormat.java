package io.mmfuse.image;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** The encoded formats the decoder accepts, recognised by their magic bytes (never by file name). */
public enum ImageFormat {
    JPEG,
    PNG,
    GIF,
    BMP,
    WEBP,
    TIFF;

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    /** The supported format whose signature starts {@code data}, if any. */
    public static Optional<ImageFormat> sniff(byte[] data) {
        if (data.length >= 3 && (data[0] & 0xFF) == 0xFF && (data[1] & 0xFF) == 0xD8 && (data[2] & 0xFF) == 0xFF) {
            return Optional.of(JPEG);
        }
        if (startsWith(data, PNG_SIGNATURE)) {
            return Optional.of(PNG);
        }
        if (Bytes.ascii(data, 0, "GIF87a") || Bytes.ascii(data, 0, "GIF89a")) {
            return Optional.of(GIF);
        }
        if (Bytes.ascii(data, 0, "RIFF") && Bytes.ascii(data, 8, "WEBP")) {
            return Optional.of(WEBP);
        }
        if (Bytes.ascii(data, 0, "II*\0") || Bytes.ascii(data, 0, "MM\0*")
                || Bytes.ascii(data, 0, "II+\0") || Bytes.ascii(data, 0, "MM\0+")) {
            return Optional.of(TIFF);
        }
        if (looksLikeBmp(data)) {
            return Optional.of(BMP);
        }
        return Optional.empty();
    }

    /** Names what unsupported data looks like, for the error message ("SVG", "text", ...). */
    static String describeUnsupported(byte[] data) {
        String head = new String(data, 0, Math.min(data.length, 512), StandardCharsets.ISO_8859_1);
        String trimmed = head.replaceFirst("^\u00EF\u00BB\u00BF", "").stripLeading().toLowerCase();
        if (trimmed.startsWith("<svg") || (trimmed.startsWith("<?xml") && trimmed.contains("<svg"))) {
            return "SVG (vector graphics)";
        }
        if (trimmed.startsWith("<")) {
            return "XML/HTML text";
        }
        if (head.startsWith("%PDF")) {
            return "PDF";
        }
        if (Bytes.ascii(data, 4, "ftyp")) {
            return "ISO media (HEIF/AVIF/MP4)";
        }
        if (startsWith(data, new byte[] {(byte) 0xFF, 0x4F, (byte) 0xFF, 0x51})
                || startsWith(data, new byte[] {0, 0, 0, 0x0C, 'j', 'P'})) {
            return "JPEG 2000";
        }
        if (isText(data)) {
            return "text";
        }
        StringBuilder hex = new StringBuilder("unrecognised, first bytes");
        for (int i = 0; i < Math.min(8, data.length); i++) {
            hex.append(String.format(" %02X", data[i] & 0xFF));
        }
        return hex.toString();
    }

    private static boolean looksLikeBmp(byte[] data) {
        if (data.length < 26 || !Bytes.ascii(data, 0, "BM")) {
            return false;
        }
        // "BM" alone is too weak (text can start with it); the DIB header size must be a known one.
        long dib = Bytes.u32le(data, 14);
        return dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 || dib == 124;
    }

    private static boolean isText(byte[] data) {
        int n = Math.min(data.length, 512);
        for (int i = 0; i < n; i++) {
            int b = data[i] & 0xFF;
            if (b < 0x20 && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return n > 0;
    }

    private static boolean startsWith(byte[] data, byte[] prefix) {
        if (data.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
