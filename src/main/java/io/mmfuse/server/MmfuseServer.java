package io.mmfuse.server;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.javalin.Javalin;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import io.mmfuse.collection.CollectionOptions;
import io.mmfuse.collection.CollectionStore;
import io.mmfuse.server.grpc.GrpcApi;
import io.mmfuse.server.grpc.GrpcMetrics;
import io.mmfuse.server.http.HttpApi;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedding and search server: HTTP/JSON and gRPC over one service layer, dynamic batching,
 * persistent collections, Prometheus metrics.
 *
 * <pre>{@code
 * MmfuseServer server = MmfuseServer.builder()
 *         .model(model)                       // an EmbeddingModel
 *         .httpPort(8080).grpcPort(9090)      // 0: any free port, -1: disabled
 *         .collectionsRoot(Path.of("collections"))
 *         .batching(BatchingConfig.defaults())
 *         .limits(ServiceLimits.defaults())
 *         .build()
 *         .start();                           // binds, warms the model up, then reports ready
 * Runtime.getRuntime().addShutdownHook(new Thread(server::close));
 * server.awaitTermination();
 * }</pre>
 *
 * <p>{@link #close()} shuts down gracefully: readiness flips to "draining" first, new requests
 * are refused (503 / UNAVAILABLE), in-flight ones finish (up to the drain timeout), then the
 * listeners, the batchers and the collections close.
 */
public final class MmfuseServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MmfuseServer.class);

    /** A frozen copy of the builder, so that later builder calls cannot change a running server. */
    private record Settings(String host, int httpPort, int grpcPort, EmbeddingModel model, Path collectionsRoot,
            BatchingConfig batching, ServiceLimits limits, CollectionOptions collectionOptions, Duration drainTimeout,
            Duration drainDelay, ImageGenerator generator, ImageCaptioner captioner, int decodeThreads) {
    }

    private final Settings config;
    private final Health health = new Health();
    private final PrometheusMeterRegistry registry;
    private final CollectionStore store;
    private final EmbeddingService embeddings;
    private final CollectionService collections;
    private final GenerationService generation;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private HttpApi httpApi;
    private Javalin http;
    private Server grpc;
    private boolean started;
    private boolean closed;

    private MmfuseServer(Builder b) {
        this.config = new Settings(b.host, b.httpPort, b.grpcPort, b.model, b.collectionsRoot, b.batching, b.limits,
                b.collectionOptions, b.drainTimeout, b.drainDelay, b.generator, b.captioner, b.decodeThreads);
        this.registry = b.registry != null ? b.registry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        this.store = new CollectionStore(b.collectionsRoot, b.collectionOptions);
        this.embeddings = new EmbeddingService(b.model, b.batching, b.limits, registry, b.decodeThreads);
        this.collections = new CollectionService(store, embeddings);
        this.generation = new GenerationService(b.generator, b.captioner, embeddings, b.batching, registry);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds the listeners, warms the model up and then reports ready. */
    public synchronized MmfuseServer start() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        try {
            if (config.httpPort() >= 0) {
                httpApi = new HttpApi(embeddings, collections, generation, health, registry, registry, config.limits().maxRequestBytes());
                http = httpApi.create().start(config.host(), config.httpPort());
            }
            if (config.grpcPort() >= 0) {
                grpc = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.grpcPort()))
                        .addService(ServerInterceptors.intercept(new GrpcApi(embeddings, collections, generation, health),
                                new GrpcMetrics(registry)))
                        .maxInboundMessageSize(config.limits().maxRequestBytes())
                        .build().start();
            }
            long t0 = System.nanoTime();
            config.model().warmUp();
            health.set(Health.State.READY);
            LOG.info("mmfuse server ready: model {} (dim {}), http {}, grpc {}, image decode threads {}, warm-up {} ms",
                    config.model().fingerprint(), config.model().dimension(), httpPort(), grpcPort(), config.decodeThreads(),
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            close();
            throw e instanceof MmfuseException me ? me : new MmfuseException("server start failed: " + e.getMessage(), e);
        }
        return this;
    }

    /** The bound HTTP port, or -1 if HTTP is disabled. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /** The bound gRPC port, or -1 if gRPC is disabled. */
    public int grpcPort() {
        return grpc == null ? -1 : grpc.getPort();
    }

    public Health health() {
        return health;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The service layer without the network (the same objects the edges use). */
    public EmbeddingService embeddings() {
        return embeddings;
    }

    public CollectionService collections() {
        return collections;
    }

    public GenerationService generation() {
        return generation;
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    private static final Duration RESPONSE_FLUSH_GRACE = Duration.ofMillis(250);

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        health.set(Health.State.DRAINING);
        long drainUntil = System.nanoTime() + config.drainTimeout().toNanos();
        try {
            sleep(config.drainDelay());
            if (grpc != null) {
                grpc.shutdown();
            }
            if (httpApi != null) {
                while (httpApi.inFlight() > 0 && System.nanoTime() < drainUntil) {
                    sleep(Duration.ofMillis(5));
                }
                // A handler counts as done when it returns, but Jetty writes its response after
                // that; stopping at once cut the last responses off under load (seen in CI).
                sleep(RESPONSE_FLUSH_GRACE);
            }
            if (grpc != null) {
                long left = Math.max(0, drainUntil - System.nanoTime());
                if (!grpc.awaitTermination(left, TimeUnit.NANOSECONDS)) {
                    LOG.warn("gRPC calls still running after the drain timeout; cancelling them");
                    grpc.shutdownNow();
                }
            }
            if (http != null) {
                http.stop();
            }
            embeddings.close(Duration.ofNanos(Math.max(1_000_000, drainUntil - System.nanoTime())));
            generation.close(Duration.ofNanos(Math.max(1_000_000, drainUntil - System.nanoTime())));
            store.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            terminated.countDown();
        }
    }

    private static void sleep(Duration d) throws InterruptedException {
        if (!d.isZero()) {
            Thread.sleep(d.toMillis());
        }
    }

    /** Server settings; {@link #model} and {@link #collectionsRoot} are required. */
    public static final class Builder {
        private String host = "0.0.0.0";
        private int httpPort = 8080;
        private int grpcPort = 9090;
        private EmbeddingModel model;
        private Path collectionsRoot;
        private BatchingConfig batching = BatchingConfig.defaults();
        private ServiceLimits limits = ServiceLimits.defaults();
        private CollectionOptions collectionOptions = CollectionOptions.defaults();
        private Duration drainTimeout = Duration.ofSeconds(30);
        private Duration drainDelay = Duration.ZERO;
        private PrometheusMeterRegistry registry;
        private ImageGenerator generator;
        private ImageCaptioner captioner;
        private int decodeThreads = Runtime.getRuntime().availableProcessors();

        private Builder() {
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** 0 picks a free port; -1 disables HTTP. */
        public Builder httpPort(int port) {
            this.httpPort = port;
            return this;
        }

        /** 0 picks a free port; -1 disables gRPC. */
        public Builder grpcPort(int port) {
            this.grpcPort = port;
            return this;
        }

        /** Threads that decode images before they are batched (default: one per available processor). */
        public Builder decodeThreads(int threads) {
            if (threads < 1) {
                throw new InvalidInputException("decodeThreads", "must be >= 1, got " + threads);
            }
            this.decodeThreads = threads;
            return this;
        }

        public Builder model(EmbeddingModel model) {
            this.model = model;
            return this;
        }

        public Builder collectionsRoot(Path root) {
            this.collectionsRoot = root;
            return this;
        }

        public Builder batching(BatchingConfig batching) {
            this.batching = batching;
            return this;
        }

        public Builder limits(ServiceLimits limits) {
            this.limits = limits;
            return this;
        }

        public Builder collectionOptions(CollectionOptions options) {
            this.collectionOptions = options;
            return this;
        }

        /** Longest wait for in-flight requests at shutdown. */
        public Builder drainTimeout(Duration timeout) {
            this.drainTimeout = timeout;
            return this;
        }

        /** Pause between flipping readiness and refusing traffic, so load balancers can notice. */
        public Builder drainDelay(Duration delay) {
            this.drainDelay = delay;
            return this;
        }

        /** Serve POST /v1/generate (and the gRPC Generate call) with this text-to-image model; the server closes it. */
        public Builder generator(ImageGenerator generator) {
            this.generator = generator;
            return this;
        }

        /** Serve POST /v1/caption (and the gRPC Caption call) with this captioner; the server closes it. */
        public Builder captioner(ImageCaptioner captioner) {
            this.captioner = captioner;
            return this;
        }

        /** Share a registry with the host application (default: a private one served at /metrics). */
        public Builder registry(PrometheusMeterRegistry registry) {
            this.registry = registry;
            return this;
        }

        public MmfuseServer build() {
            if (model == null) {
                throw new InvalidInputException("model", "is required");
            }
            if (collectionsRoot == null) {
                throw new InvalidInputException("collectionsRoot", "is required");
            }
            for (int port : new int[] {httpPort, grpcPort}) {
                if (port < -1 || port > 65535) {
                    throw new InvalidInputException("port", "must be -1 (disabled), 0 (any) or 1-65535, got " + port);
                }
            }
            if (limits.maxBatchItems() > batching.queueCapacity()) {
                throw new InvalidInputException("limits.maxBatchItems", limits.maxBatchItems()
                        + " exceeds the batching queue capacity " + batching.queueCapacity() + ": such requests could never be queued");
            }
            if (drainTimeout == null || drainTimeout.isNegative() || drainDelay == null || drainDelay.isNegative()) {
                throw new InvalidInputException("drainTimeout", "drainTimeout and drainDelay must be >= 0");
            }
            return new MmfuseServer(this);
        }
    }
}
