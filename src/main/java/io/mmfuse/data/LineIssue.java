package io.mmfuse.data;

/** A problem with one line of a dataset file; {@code line} counts from 1. */
public record LineIssue(String file, long line, String reason) {
    @Override
    public String toString() {
        return file + ":" + line + ": " + reason;
    }
}
