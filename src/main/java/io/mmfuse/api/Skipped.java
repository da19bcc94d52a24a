package io.mmfuse.api;

/** An input a batch job could not use, and why; batch jobs list these instead of dying. */
public record Skipped(String input, String reason, String message) {
}
