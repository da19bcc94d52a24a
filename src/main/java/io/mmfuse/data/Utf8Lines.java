package io.mmfuse.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a text file line by line with strict UTF-8 decoding. Lines are split on the raw byte
 * {@code \n} (which never occurs inside a UTF-8 sequence), so a decoding error is pinned to its line
 * and byte column. A trailing {@code \r} and a leading byte-order mark are removed.
 */
final class Utf8Lines {
    @FunctionalInterface
    interface LineHandler {
        void line(long number, String text);
    }

    private Utf8Lines() {}

    /**
     * Feeds every valid line to {@code handler}; if any line is not valid UTF-8, throws after the
     * whole file was scanned, listing every such line.
     */
    static void read(Path file, LineHandler handler) throws IOException {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        List<LineIssue> invalid = new ArrayList<>();
        String name = file.toString();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] chunk = new byte[1 << 16];
            byte[] line = new byte[256];
            int len = 0;
            long number = 0;
            boolean pending = false;
            int n;
            while ((n = in.read(chunk)) != -1) {
                for (int k = 0; k < n; k++) {
                    byte b = chunk[k];
                    pending = true;
                    if (b == '\n') {
                        decodeLine(decoder, line, len, ++number, name, handler, invalid);
                        len = 0;
                        pending = false;
                    } else {
                        if (len == line.length) {
                            line = Arrays.copyOf(line, line.length * 2);
                        }
                        line[len++] = b;
                    }
                }
            }
            if (pending) {
                decodeLine(decoder, line, len, number + 1, name, handler, invalid);
            }
        }
        if (!invalid.isEmpty()) {
            throw new DatasetFormatException(name, invalid);
        }
    }

    private static void decodeLine(CharsetDecoder decoder, byte[] bytes, int len, long number, String file,
            LineHandler handler, List<LineIssue> invalid) {
        if (len > 0 && bytes[len - 1] == '\r') {
            len--;
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, len);
        CharBuffer out = CharBuffer.allocate(len);
        decoder.reset();
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            invalid.add(new LineIssue(file, number, "invalid UTF-8 at byte " + (in.position() + 1) + " of the line"));
            return;
        }
        String text = out.flip().toString();
        if (number == 1 && text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        if (invalid.isEmpty()) {
            handler.line(number, text);
        }
    }
}
