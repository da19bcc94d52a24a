package io.mmfuse.cli;

import io.mmfuse.InvalidInputException;
import io.mmfuse.api.MmfuseModel;
import io.mmfuse.caption.ImageToText;
import io.mmfuse.gan.TextToImage;
import io.mmfuse.model.Devices;
import io.mmfuse.server.BatchingConfig;
import io.mmfuse.server.CheckpointCaptioner;
import io.mmfuse.server.CheckpointEmbeddingModel;
import io.mmfuse.server.CheckpointGenerator;
import io.mmfuse.server.ImageCaptioner;
import io.mmfuse.server.ImageGenerator;
import io.mmfuse.server.MmfuseServer;
import io.mmfuse.server.ServiceLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve", description = "Serve embeddings, search and collections over HTTP/JSON and gRPC with dynamic batching.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = {"--model", "--checkpoint"}, required = true, description = "Checkpoint directory.")
    Path checkpoint;

    @Option(names = "--http-port", defaultValue = "8080", description = "HTTP port; -1 disables (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--grpc-port", defaultValue = "9090", description = "gRPC port; -1 disables (default: ${DEFAULT-VALUE}).")
    int grpcPort;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Bind address (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--collections", defaultValue = "collections", description = "Directory holding the persistent collections (default: ${DEFAULT-VALUE}).")
    Path collections;

    @Option(names = "--max-batch", defaultValue = "64", description = "Largest batch the batcher forms (default: ${DEFAULT-VALUE}); 1 turns batching off.")
    int maxBatch;

    @Option(names = "--max-wait-us", defaultValue = "2000", description = "Longest a request waits for batch-mates, in microseconds (default: ${DEFAULT-VALUE}).")
    long maxWaitMicros;

    @Option(names = "--queue", defaultValue = "1024", description = "Queue capacity per model; beyond it requests get 503/RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}).")
    int queue;

    @Option(names = "--deadline-ms", defaultValue = "30000", description = "Default per-request deadline; a request may only lower it (default: ${DEFAULT-VALUE}).")
    long deadlineMs;

    @Option(names = "--gan", description = "GAN checkpoint: enables POST /v1/generate and the gRPC Generate call.")
    Path gan;

    @Option(names = "--gan-ranker", description = "Retrieval checkpoint that ranks the GAN's candidates (requests with candidates > 1) instead of the GAN checkpoint's own, e.g. one trained with train --degrade; repeat it (up to 8) to rank by several together.")
    List<Path> ganRankers = new ArrayList<>();

    @Option(names = "--captioner", description = "Captioner checkpoint: enables POST /v1/caption and the gRPC Caption call.")
    Path captioner;

    @Option(names = "--threads", description = "LibTorch intra-op threads, and threads decoding images before batching (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        if (!ganRankers.isEmpty() && gan == null) {
            throw new InvalidInputException("--gan-ranker", "ranks the candidates of --gan, which is not given");
        }
        Console.configureThreads(threads);
        try (MmfuseModel model = MmfuseModel.load(checkpoint)) {
            MmfuseServer server = start(model);
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "mmfuse-shutdown"));
            Console.status("mmfuse serving: http " + server.httpPort() + ", grpc " + server.grpcPort()
                    + " (Ctrl-C drains and stops)");
            server.awaitTermination();
        }
        return ExitCodes.OK;
    }

    /** Starts serving {@code model} as the options say, without blocking (tests stop it by closing it). */
    MmfuseServer start(MmfuseModel model) {
        int decodeThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        BatchingConfig batching = new BatchingConfig(maxBatch, Duration.ofNanos(maxWaitMicros * 1000), List.of(), queue,
                Duration.ofMillis(deadlineMs));
        return startServer(model, batching, decodeThreads);
    }

    /**
     * The server owns the generator and captioner once built; until then (a second load or the
     * builder failing) they are closed here, so a failed start leaks no native memory.
     */
    private MmfuseServer startServer(MmfuseModel model, BatchingConfig batching, int decodeThreads) {
        ImageGenerator generator = null;
        ImageCaptioner captionerModel = null;
        try {
            generator = gan == null ? null : new CheckpointGenerator(TextToImage.load(gan, Devices.auto(), ganRankers));
            captionerModel = captioner == null ? null : new CheckpointCaptioner(ImageToText.load(captioner, Devices.auto()));
            return MmfuseServer.builder().host(host).httpPort(httpPort).grpcPort(grpcPort)
                    .model(new CheckpointEmbeddingModel(model)).decodeThreads(decodeThreads).collectionsRoot(collections)
                    .batching(batching).limits(ServiceLimits.defaults())
                    .generator(generator).captioner(captionerModel)
                    .build().start();
        } catch (RuntimeException | Error e) {
            closeQuietly(generator, e);
            closeQuietly(captionerModel, e);
            throw e;
        }
    }

    private static void closeQuietly(AutoCloseable c, Throwable cause) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception suppressed) {
            cause.addSuppressed(suppressed);
        }
    }
}
