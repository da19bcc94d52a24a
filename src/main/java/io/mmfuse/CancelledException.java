package io.mmfuse;

/** A call stopped early because its {@link Cancellation} asked it to; it returned nothing and holds nothing. */
public class CancelledException extends MmfuseException {
    public CancelledException(String message) {
        super(message);
    }
}
