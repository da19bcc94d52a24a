package io.mmfuse.server.http;

import static io.mmfuse.server.http.JsonBodies.JSON;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.mmfuse.gan.Sampling;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mmfuse.InvalidInputException;
import io.mmfuse.collection.CollectionInfo;
import io.mmfuse.collection.CollectionItem;
import io.mmfuse.collection.ScoredItem;
import io.mmfuse.search.FloatMatrix;
import io.mmfuse.server.CollectionService;
import io.mmfuse.server.EmbeddingService;
import io.mmfuse.server.ErrorMapping;
import io.mmfuse.server.GenerationService;
import io.mmfuse.server.ImageCaptioner;
import io.mmfuse.server.Health;
import io.mmfuse.server.NewItem;
import io.mmfuse.server.OverloadedException;
import io.mmfuse.server.SearchQuery;
import io.mmfuse.server.UnavailableException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/JSON edge (Javalin on Jetty 12). Vectors are JSON arrays of numbers; images travel as
 * base64 strings inside JSON, or — for POST /v1/embeddings/image only — as the raw request body
 * with an {@code image/*} or {@code application/octet-stream} content type. A request may lower
 * its deadline with the header {@code X-Timeout-Ms}. Errors are
 * {@code {"error": {"code", "field", "message"}}} with the status from {@link ErrorMapping}; bad
 * input is always a 4xx, never a 500.
 */
public final class HttpApi {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    public static final String TIMEOUT_HEADER = "X-Timeout-Ms";

    @FunctionalInterface
    private interface Action {
        void handle(Context ctx) throws Exception;
    }

    private final EmbeddingService embeddings;
    private final CollectionService collections;
    private final GenerationService generation;
    private final Health health;
    private final PrometheusMeterRegistry prometheus;
    private final MeterRegistry registry;
    private final int maxRequestBytes;
    private final AtomicInteger inFlight = new AtomicInteger();

    public HttpApi(EmbeddingService embeddings, CollectionService collections, GenerationService generation,
            Health health, PrometheusMeterRegistry prometheus, MeterRegistry registry, int maxRequestBytes) {
        this.embeddings = embeddings;
        this.collections = collections;
        this.generation = generation;
        this.health = health;
        this.prometheus = prometheus;
        this.registry = registry;
        this.maxRequestBytes = maxRequestBytes;
    }

    /** Requests being served now (probes and metrics excluded): shutdown waits for zero. */
    public int inFlight() {
        return inFlight.get();
    }

    public Javalin create() {
        return Javalin.create(cfg -> {
            cfg.http.maxRequestSize = maxRequestBytes;
            cfg.startup.showJavalinBanner = false;
            cfg.routes.get("/v1/health", this::healthCheck);
            cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(prometheus == null ? "" : prometheus.scrape()));
            route(cfg, "POST", "/v1/embeddings/text", this::embedTexts);
            route(cfg, "POST", "/v1/embeddings/image", this::embedImages);
            route(cfg, "POST", "/v1/search", this::search);
            route(cfg, "POST", "/v1/generate", this::generate);
            route(cfg, "POST", "/v1/caption", this::caption);
            route(cfg, "GET", "/v1/collections", ctx -> {
                ObjectNode out = JSON.createObjectNode();
                collections.names().forEach(out.putArray("collections")::add);
                json(ctx, 200, out);
            });
            route(cfg, "POST", "/v1/collections/{name}", ctx -> json(ctx, 201, info(collections.create(ctx.pathParam("name")))));
            route(cfg, "GET", "/v1/collections/{name}", ctx -> json(ctx, 200, info(collections.info(ctx.pathParam("name")))));
            route(cfg, "POST", "/v1/collections/{name}/items", this::addItems);
            route(cfg, "GET", "/v1/collections/{name}/items", this::listItems);
            route(cfg, "DELETE", "/v1/collections/{name}/items", this::deleteItems);
            route(cfg, "GET", "/v1/collections/{name}/items/{id}", this::getItem);
            route(cfg, "DELETE", "/v1/collections/{name}/items/{id}", ctx -> {
                CollectionService.DeleteResult r = collections.delete(ctx.pathParam("name"), List.of(ctx.pathParam("id")));
                if (r.deleted() == 0) {
                    throw new io.mmfuse.collection.NotFoundException("item", ctx.pathParam("id"));
                }
                json(ctx, 200, JSON.createObjectNode().put("deleted", r.deleted()).put("count", r.count()));
            });
        });
    }

    /** Wraps a handler with readiness, in-flight accounting, error mapping and a latency timer. */
    private void route(io.javalin.config.JavalinConfig cfg, String method, String path, Action action) {
        io.javalin.http.Handler h = ctx -> {
            long start = System.nanoTime();
            inFlight.incrementAndGet();
            try {
                health.requireReady();
                action.handle(ctx);
            } catch (Throwable e) {
                error(ctx, e);
            } finally {
                inFlight.decrementAndGet();
                Timer.builder("mmfuse.http.requests").description("HTTP requests by route and status")
                        .tag("method", method).tag("route", path).tag("status", Integer.toString(ctx.statusCode()))
                        .publishPercentileHistogram().register(registry)
                        .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            }
        };
        switch (method) {
            case "GET" -> cfg.routes.get(path, h);
            case "POST" -> cfg.routes.post(path, h);
            case "DELETE" -> cfg.routes.delete(path, h);
            default -> throw new IllegalArgumentException(method);
        }
    }

    private void healthCheck(Context ctx) {
        ObjectNode out = JSON.createObjectNode();
        out.put("status", health.state().name().toLowerCase(Locale.ROOT));
        out.put("model", embeddings.modelFingerprint());
        out.put("dimension", embeddings.dimension());
        json(ctx, health.ready() ? 200 : 503, out);
    }

    private void embedTexts(Context ctx) {
        JsonNode body = JsonBodies.parseObject(ctx.bodyAsBytes());
        List<String> texts = JsonBodies.stringList(body, "texts");
        json(ctx, 200, embeddingsBody(embeddings.embedTexts("texts", texts, timeout(ctx))));
    }

    private void embedImages(Context ctx) {
        String type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT);
        List<byte[]> images = new ArrayList<>();
        if (type.startsWith("image/") || type.startsWith("application/octet-stream")) {
            images.add(ctx.bodyAsBytes());
        } else {
            JsonNode body = JsonBodies.parseObject(ctx.bodyAsBytes());
            JsonNode arr = JsonBodies.required(body, "images");
            if (!arr.isArray()) {
                throw new InvalidInputException("images", "must be an array of base64 strings");
            }
            for (int i = 0; i < arr.size(); i++) {
                images.add(JsonBodies.base64(arr.get(i), "images[" + i + "]"));
            }
        }
        json(ctx, 200, embeddingsBody(embeddings.embedImages("images", images, timeout(ctx))));
    }

    private void search(Context ctx) {
        JsonNode body = JsonBodies.parseObject(ctx.bodyAsBytes());
        String collection = JsonBodies.string(JsonBodies.required(body, "collection"), "collection");
        int k = JsonBodies.integer(body, "k", 10);
        String text = JsonBodies.optionalString(body, "text", "");
        byte[] image = body.hasNonNull("image") ? JsonBodies.base64(body.get("image"), "image") : null;
        float[] vector = body.hasNonNull("vector") ? JsonBodies.floats(body.get("vector"), "vector") : null;
        List<ScoredItem> hits = collections.search(new SearchQuery(collection, k, text, image, vector), timeout(ctx));
        ObjectNode out = JSON.createObjectNode();
        ArrayNode arr = out.putArray("results");
        for (ScoredItem s : hits) {
            ObjectNode h = arr.addObject();
            h.put("rank", s.rank());
            h.put("id", s.item().id());
            h.put("label", s.item().label());
            h.put("distance", s.distance());
            h.set("metadata", metadataNode(s.item().metadataJson()));
        }
        json(ctx, 200, out);
    }

    /** {"text", "samples" (default 4), "seed" (default 1), "truncation" (1), "candidates" (1), "refine" (0)} in, a PNG grid out. */
    private void generate(Context ctx) {
        JsonNode body = JsonBodies.parseObject(ctx.bodyAsBytes());
        String text = JsonBodies.string(JsonBodies.required(body, "text"), "text");
        Sampling sampling = new Sampling(JsonBodies.number(body, "truncation", 1),
                JsonBodies.integer(body, "candidates", 1), JsonBodies.integer(body, "refine", 0));
        byte[] png = generation.generate(text, JsonBodies.integer(body, "samples", 4), JsonBodies.integer(body, "seed", 1),
                sampling, timeout(ctx));
        ctx.status(200).contentType("image/png").result(png);
    }

    /** The raw image as the body (k and beam as query parameters), or JSON {"image": base64, "k", "beam"}. */
    private void caption(Context ctx) {
        String type = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT);
        byte[] image;
        int k;
        int beam;
        if (type.startsWith("image/") || type.startsWith("application/octet-stream")) {
            image = ctx.bodyAsBytes();
            k = queryInt(ctx, "k", 3);
            beam = queryInt(ctx, "beam", 3);
        } else {
            JsonNode body = JsonBodies.parseObject(ctx.bodyAsBytes());
            image = JsonBodies.base64(JsonBodies.required(body, "image"), "image");
            k = JsonBodies.integer(body, "k", 3);
            beam = JsonBodies.integer(body, "beam", 3);
        }
        ImageCaptioner.Captions c = generation.caption(image, k, beam, timeout(ctx));
        ObjectNode out = JSON.createObjectNode();
        ArrayNode arr = out.putArray("retrieved");
        for (ImageCaptioner.Retrieved r : c.retrieved()) {
            arr.addObject().put("rank", r.rank()).put("caption", r.caption()).put("distance", r.distance());
        }
        out.put("greedy", c.greedy());
        out.put("beam", c.beam());
        json(ctx, 200, out);
    }

    private void addItems(Context ctx) {
        JsonNode body = JsonBodies.parseObject(ctx.bodyAsBytes());
        JsonNode arr = JsonBodies.required(body, "items");
        if (!arr.isArray()) {
            throw new InvalidInputException("items", "must be an array of objects");
        }
        List<NewItem> items = new ArrayList<>(arr.size());
        for (int i = 0; i < arr.size(); i++) {
            String p = "items[" + i + "].";
            JsonNode it = arr.get(i);
            if (!it.isObject()) {
                throw new InvalidInputException("items[" + i + "]", "must be an object");
            }
            String id = JsonBodies.string(it.get("id"), p + "id");
            byte[] image = it.hasNonNull("image") ? JsonBodies.base64(it.get("image"), p + "image") : null;
            float[] vector = it.hasNonNull("vector") ? JsonBodies.floats(it.get("vector"), p + "vector") : null;
            items.add(new NewItem(id, image, JsonBodies.optionalString(it, "caption", p), vector,
                    JsonBodies.optionalString(it, "label", p), JsonBodies.metadata(it, p)));
        }
        CollectionService.AddResult r = collections.add(ctx.pathParam("name"), items, timeout(ctx));
        json(ctx, 200, JSON.createObjectNode().put("added", r.added()).put("count", r.count()));
    }

    private void listItems(Context ctx) {
        int offset = queryInt(ctx, "offset", 0);
        int limit = queryInt(ctx, "limit", 100);
        String name = ctx.pathParam("name");
        List<CollectionItem> items = collections.list(name, offset, limit);
        ObjectNode out = JSON.createObjectNode();
        out.put("count", collections.info(name).count());
        ArrayNode arr = out.putArray("items");
        for (CollectionItem it : items) {
            arr.add(itemNode(it, false));
        }
        json(ctx, 200, out);
    }

    private void deleteItems(Context ctx) {
        JsonNode body = JsonBodies.parseObject(ctx.bodyAsBytes());
        CollectionService.DeleteResult r = collections.delete(ctx.pathParam("name"), JsonBodies.stringList(body, "ids"));
        json(ctx, 200, JSON.createObjectNode().put("deleted", r.deleted()).put("count", r.count()));
    }

    private void getItem(Context ctx) {
        CollectionItem it = collections.get(ctx.pathParam("name"), ctx.pathParam("id"));
        json(ctx, 200, itemNode(it, true));
    }

    private static ObjectNode itemNode(CollectionItem it, boolean withVector) {
        ObjectNode n = JSON.createObjectNode();
        n.put("id", it.id());
        n.put("label", it.label());
        n.set("metadata", metadataNode(it.metadataJson()));
        if (withVector) {
            ArrayNode v = n.putArray("vector");
            for (float f : it.vector()) {
                v.add(f);
            }
        }
        return n;
    }

    private static JsonNode metadataNode(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            // Stored metadata was validated as a JSON object on the way in.
            throw new IllegalStateException("stored metadata is not JSON: " + e.getMessage(), e);
        }
    }

    private ObjectNode embeddingsBody(FloatMatrix m) {
        ObjectNode out = JSON.createObjectNode();
        out.put("model", embeddings.modelFingerprint());
        out.put("dimension", m.cols());
        ArrayNode rows = out.putArray("embeddings");
        for (int r = 0; r < m.rows(); r++) {
            ArrayNode row = rows.addArray();
            for (int c = 0; c < m.cols(); c++) {
                row.add(m.get(r, c));
            }
        }
        return out;
    }

    private static ObjectNode info(CollectionInfo info) {
        return JSON.createObjectNode().put("name", info.name()).put("dimension", info.dimension())
                .put("model", info.modelFingerprint()).put("count", info.count());
    }

    private static Duration timeout(Context ctx) {
        String h = ctx.header(TIMEOUT_HEADER);
        if (h == null || h.isBlank()) {
            return null;
        }
        try {
            long ms = Long.parseLong(h.trim());
            if (ms <= 0) {
                throw new InvalidInputException(TIMEOUT_HEADER, "must be a positive number of milliseconds, got " + h);
            }
            return Duration.ofMillis(ms);
        } catch (NumberFormatException e) {
            throw new InvalidInputException(TIMEOUT_HEADER, "must be a positive number of milliseconds, got '" + h + "'");
        }
    }

    private static int queryInt(Context ctx, String name, int fallback) {
        String v = ctx.queryParam(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException(name, "must be an integer, got '" + v + "'");
        }
    }

    private static void json(Context ctx, int status, JsonNode body) {
        ctx.status(status).contentType("application/json").result(body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void error(Context ctx, Throwable e) {
        if (e instanceof HttpResponseException hre) {
            // Raised by Javalin itself, e.g. 413 for a body above maxRequestSize.
            ObjectNode err = JSON.createObjectNode();
            err.putObject("error").put("code", hre.getStatus() == 413 ? "INVALID_ARGUMENT" : "HTTP_" + hre.getStatus())
                    .put("field", "body").put("message", hre.getMessage());
            json(ctx, hre.getStatus(), err);
            return;
        }
        ErrorMapping.Error m = ErrorMapping.of(e);
        if ("INTERNAL".equals(m.code()) || "DATA_LOSS".equals(m.code())) {
            LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
        }
        if (e instanceof OverloadedException o) {
            ctx.header("Retry-After", Long.toString(Math.max(1, o.retryAfter().toSeconds())));
        } else if (e instanceof UnavailableException) {
            ctx.header("Retry-After", "1");
        }
        ObjectNode err = JSON.createObjectNode();
        ObjectNode inner = err.putObject("error");
        inner.put("code", m.code());
        if (m.field() != null) {
            inner.put("field", m.field());
        }
        inner.put("message", m.message());
        json(ctx, m.httpStatus(), err);
    }
}
