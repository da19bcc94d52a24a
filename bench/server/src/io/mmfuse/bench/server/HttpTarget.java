package io.mmfuse.bench.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * HTTP/JSON client (java.net.http, HTTP/1.1 keep-alive: one connection per concurrent caller).
 * Responses are checked by status and scanned for one field instead of parsed, so the client
 * spends as little of the shared CPU as it can.
 */
final class HttpTarget implements Target {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client;
    private final String base;

    HttpTarget(String base) {
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Override
    public int embedText(String text) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("texts").add(text);
        return intField(post("/v1/embeddings/text", "application/json", JSON.writeValueAsBytes(body)), "\"dimension\":");
    }

    @Override
    public int embedImage(byte[] image) throws Exception {
        return intField(post("/v1/embeddings/image", "image/jpeg", image), "\"dimension\":");
    }

    @Override
    public int search(String collection, String text, int k) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("collection", collection).put("k", k).put("text", text);
        String out = post("/v1/search", "application/json", JSON.writeValueAsBytes(body));
        int hits = 0;
        for (int i = out.indexOf("\"rank\":"); i >= 0; i = out.indexOf("\"rank\":", i + 1)) {
            hits++;
        }
        return hits;
    }

    @Override
    public void createCollection(String name) throws Exception {
        post("/v1/collections/" + name, "application/json", new byte[0]);
    }

    @Override
    public long add(String collection, List<String> ids, List<byte[]> images, List<String> captions) throws Exception {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode items = body.putArray("items");
        Base64.Encoder b64 = Base64.getEncoder();
        for (int i = 0; i < ids.size(); i++) {
            ObjectNode it = items.addObject().put("id", ids.get(i));
            if (images != null) {
                it.put("image", b64.encodeToString(images.get(i))).put("label", captions.get(i));
            } else {
                it.put("caption", captions.get(i));
            }
        }
        String out = post("/v1/collections/" + collection + "/items", "application/json", JSON.writeValueAsBytes(body));
        return JSON.readTree(out).get("count").asLong();
    }

    /** GET /metrics as text. */
    String metrics() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return r.body();
    }

    private String post(String path, String type, byte[] body) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", type)
                .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<byte[]> r = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
        String text = new String(r.body(), StandardCharsets.UTF_8);
        if (r.statusCode() / 100 != 2) {
            throw new RequestFailed(Integer.toString(r.statusCode()), text.length() > 300 ? text.substring(0, 300) : text);
        }
        return text;
    }

    private static int intField(String body, String key) {
        int i = body.indexOf(key);
        if (i < 0) {
            return -1;
        }
        int j = i + key.length();
        int end = j;
        while (end < body.length() && Character.isDigit(body.charAt(end))) {
            end++;
        }
        return Integer.parseInt(body.substring(j, end));
    }

    @Override
    public void close() {
        // java.net.http.HttpClient of Java 17 has no close(); its threads are daemons.
    }
}
