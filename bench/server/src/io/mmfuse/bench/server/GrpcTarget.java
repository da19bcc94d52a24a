package io.mmfuse.bench.server;

import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.mmfuse.server.grpc.v1.AddItemsRequest;
import io.mmfuse.server.grpc.v1.CreateCollectionRequest;
import io.mmfuse.server.grpc.v1.EmbedImagesRequest;
import io.mmfuse.server.grpc.v1.EmbedTextsRequest;
import io.mmfuse.server.grpc.v1.MmfuseGrpc;
import io.mmfuse.server.grpc.v1.NewItem;
import io.mmfuse.server.grpc.v1.SearchRequest;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** gRPC client: one channel (HTTP/2, multiplexed) shared by all callers, blocking stubs. */
final class GrpcTarget implements Target {
    private final ManagedChannel channel;
    private final MmfuseGrpc.MmfuseBlockingStub stub;

    GrpcTarget(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        channel = Grpc.newChannelBuilderForAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)),
                InsecureChannelCredentials.create()).maxInboundMessageSize(64 << 20).build();
        stub = MmfuseGrpc.newBlockingStub(channel);
    }

    private MmfuseGrpc.MmfuseBlockingStub stub() {
        return stub.withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @Override
    public int embedText(String text) throws Exception {
        return call(() -> stub().embedTexts(EmbedTextsRequest.newBuilder().addTexts(text).build()).getDimension());
    }

    @Override
    public int embedImage(byte[] image) throws Exception {
        return call(() -> stub().embedImages(EmbedImagesRequest.newBuilder().addImages(ByteString.copyFrom(image)).build())
                .getDimension());
    }

    @Override
    public int search(String collection, String text, int k) throws Exception {
        return call(() -> stub().search(SearchRequest.newBuilder().setCollection(collection).setK(k).setText(text).build())
                .getHitsCount());
    }

    @Override
    public void createCollection(String name) throws Exception {
        call(() -> stub().createCollection(CreateCollectionRequest.newBuilder().setName(name).build()));
    }

    @Override
    public long add(String collection, List<String> ids, List<byte[]> images, List<String> captions) throws Exception {
        AddItemsRequest.Builder req = AddItemsRequest.newBuilder().setCollection(collection);
        for (int i = 0; i < ids.size(); i++) {
            NewItem.Builder it = NewItem.newBuilder().setId(ids.get(i));
            if (images != null) {
                it.setImage(ByteString.copyFrom(images.get(i))).setLabel(captions.get(i));
            } else {
                it.setCaption(captions.get(i));
            }
            req.addItems(it);
        }
        return call(() -> stub().addItems(req.build()).getCount());
    }

    private static <T> T call(Callable<T> c) throws Exception {
        try {
            return c.call();
        } catch (StatusRuntimeException e) {
            throw new RequestFailed(e.getStatus().getCode().name(), String.valueOf(e.getStatus().getDescription()));
        }
    }

    @Override
    public void close() {
        try {
            channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
