package io.mmfuse.image;

import io.mmfuse.InvalidInputException;
import java.util.Objects;

/** An image could not be turned into pixels; {@link #reason()} says why in a machine-readable way. */
public class ImageDecodeException extends InvalidInputException {
    /** Why an image was rejected. */
    public enum Reason {
        EMPTY("empty input"),
        TOO_LARGE_BYTES("encoded size exceeds the limit"),
        TOO_MANY_PIXELS("pixel count exceeds the limit"),
        UNSUPPORTED_FORMAT("unsupported image format"),
        CORRUPT("corrupt image data"),
        TRUNCATED("truncated image"),
        IO_ERROR("cannot read image");

        private final String label;

        Reason(String label) {
            this.label = label;
        }

        /** Human-readable label used in messages. */
        public String label() {
            return label;
        }
    }

    private final Reason reason;

    public ImageDecodeException(String sourceName, Reason reason, String detail) {
        super(sourceName, describe(reason, detail));
        this.reason = reason;
    }

    public ImageDecodeException(String sourceName, Reason reason, String detail, Throwable cause) {
        super(sourceName, describe(reason, detail), cause);
        this.reason = reason;
    }

    /** The {@link ImageSource#name()} of the rejected image. */
    public String sourceName() {
        return input();
    }

    public Reason reason() {
        return reason;
    }

    private static String describe(Reason reason, String detail) {
        Objects.requireNonNull(reason, "reason");
        return detail == null || detail.isEmpty() ? reason.label() : reason.label() + " (" + detail + ")";
    }
}
