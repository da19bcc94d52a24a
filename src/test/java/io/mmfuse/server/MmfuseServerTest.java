package io.mmfuse.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.mmfuse.InvalidInputException;
import io.mmfuse.server.grpc.v1.EmbedTextsRequest;
import io.mmfuse.server.grpc.v1.HealthRequest;
import io.mmfuse.server.grpc.v1.MmfuseGrpc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both listeners of a real server on loopback ports, and the builder's checks. */
class MmfuseServerTest {
    @TempDir
    Path root;

    @Test
    void servesHttpAndGrpcOnLoopbackAndStopsCleanly() throws Exception {
        FakeModel model = new FakeModel();
        MmfuseServer server = MmfuseServer.builder().host("127.0.0.1").httpPort(0).grpcPort(0).model(model)
                .collectionsRoot(root).collectionOptions(HttpApiTest.CPU).build().start();
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        try {
            assertThat(server.httpPort()).isPositive();
            assertThat(server.grpcPort()).isPositive().isNotEqualTo(server.httpPort());
            MmfuseGrpc.MmfuseBlockingStub stub = MmfuseGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
            assertThat(stub.health(HealthRequest.getDefaultInstance()).getStatus()).isEqualTo("ready");
            assertThat(stub.embedTexts(EmbedTextsRequest.newBuilder().addTexts("net").build()).getEmbeddings(0).getValuesList())
                    .hasSize(FakeModel.DIM);
            assertThat(new Http(server.httpPort()).get("/v1/health").status()).isEqualTo(200);
            // The service layer is usable without the network, too.
            assertThat(server.embeddings().embedTexts("texts", java.util.List.of("net"), null).row(0))
                    .containsExactly(FakeModel.textVector("net"));
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.close();
        }
        server.awaitTermination();
        assertThat(server.health().state()).isEqualTo(Health.State.DRAINING);
        // The service closed the model adapter (a checkpoint's decode threads) once, after draining.
        server.close();
        assertThat(model.closes).hasValue(1);
    }

    @Test
    void theBuilderRefusesIncompleteOrInconsistentSettings() {
        assertThatThrownBy(() -> MmfuseServer.builder().collectionsRoot(root).build()).isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("model:");
        assertThatThrownBy(() -> MmfuseServer.builder().model(new FakeModel()).build()).hasMessageStartingWith("collectionsRoot:");
        assertThatThrownBy(() -> MmfuseServer.builder().model(new FakeModel()).collectionsRoot(root).httpPort(70000).build())
                .hasMessageStartingWith("port:");
        assertThatThrownBy(() -> MmfuseServer.builder().model(new FakeModel()).collectionsRoot(root)
                .batching(BatchingConfig.defaults().withQueueCapacity(32)).limits(ServiceLimits.defaults().withMaxBatchItems(64))
                .build()).hasMessageStartingWith("limits.maxBatchItems:");
        assertThatThrownBy(() -> new BatchingConfig(4, Duration.ZERO, java.util.List.of(8), 16, Duration.ofSeconds(1)))
                .hasMessageStartingWith("preferredBatchSizes:");
    }
}
