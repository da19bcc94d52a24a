package io.mmfuse.bench.server;

import java.util.List;

/** The server operations the benchmark drives, over one transport. Implementations are thread-safe. */
interface Target extends AutoCloseable {
    /** Embeds one text; returns the embedding dimension. */
    int embedText(String text) throws Exception;

    /** Embeds one encoded image; returns the embedding dimension. */
    int embedImage(byte[] image) throws Exception;

    /** Searches by text; returns the number of hits. */
    int search(String collection, String text, int k) throws Exception;

    void createCollection(String name) throws Exception;

    /** Adds items given as images (when {@code images} is non-null) or captions; returns the collection count. */
    long add(String collection, List<String> ids, List<byte[]> images, List<String> captions) throws Exception;

    /** A request the server answered with an error; {@code code} is the HTTP status or gRPC status name. */
    final class RequestFailed extends Exception {
        private static final long serialVersionUID = 1L;
        final String code;

        RequestFailed(String code, String message) {
            super(code + ": " + message);
            this.code = code;
        }
    }

    @Override
    void close();

    static Target open(String transport, String http, String grpc) {
        return switch (transport) {
            case "http" -> new HttpTarget(http);
            case "grpc" -> new GrpcTarget(grpc);
            default -> throw new IllegalArgumentException("--transport must be http or grpc, got " + transport);
        };
    }
}
