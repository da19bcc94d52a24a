package io.mmfuse;

/**
 * Bad input from the caller: wrong dimensions, NaN, k out of range, empty text. The message names
 * the offending input (a field, a file, a line) so the caller can fix it; edges map it to 4xx or
 * exit code 2.
 */
public class InvalidInputException extends MmfuseException {
    private final String input;

    public InvalidInputException(String input, String reason) {
        super(input + ": " + reason);
        this.input = input;
    }

    public InvalidInputException(String input, String reason, Throwable cause) {
        super(input + ": " + reason, cause);
        this.input = input;
    }

    /** The name of the input that was rejected (field, file name, "queries[3]", ...). */
    public String input() {
        return input;
    }
}
