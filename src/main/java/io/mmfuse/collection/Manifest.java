package io.mmfuse.collection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;

/** manifest.json: what a collection directory holds; written once, atomically, at creation. */
record Manifest(int formatVersion, String name, int dimension, String modelFingerprint) {
    static final String FILE = "manifest.json";
    static final int FORMAT_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    void write(Path dir) throws IOException {
        ObjectNode n = JSON.createObjectNode();
        n.put("format_version", formatVersion);
        n.put("name", name);
        n.put("dimension", dimension);
        n.put("model_fingerprint", modelFingerprint);
        DurableFiles.replaceAtomically(dir.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(n));
    }

    static Manifest read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        JsonNode n;
        try {
            n = JSON.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new CollectionCorruptedException(file, "unreadable JSON: " + e.getOriginalMessage(), e);
        }
        if (n == null || !n.path("format_version").isInt() || !n.path("dimension").isInt()
                || !n.path("model_fingerprint").isTextual() || !n.path("name").isTextual()) {
            throw new CollectionCorruptedException(file, "missing format_version, name, dimension or model_fingerprint");
        }
        int version = n.get("format_version").asInt();
        if (version != FORMAT_VERSION) {
            throw new CollectionCorruptedException(file, "format version " + version + " is not supported (expected "
                    + FORMAT_VERSION + ")");
        }
        return new Manifest(version, n.get("name").asText(), n.get("dimension").asInt(), n.get("model_fingerprint").asText());
    }
}
