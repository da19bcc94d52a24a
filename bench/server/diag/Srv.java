import io.mmfuse.api.MmfuseModel;
import io.mmfuse.model.NativeThreads;
import io.mmfuse.server.*;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

public class Srv {
  public static void main(String[] a) throws Exception {
    int intra = Integer.parseInt(a[0]), decode = Integer.parseInt(a[1]);
    NativeThreads.configure(intra, 1);
    MmfuseModel model = MmfuseModel.load(Path.of("/tmp/mmfuse-server-bench/ck/checkpoint"));
    MmfuseServer s = MmfuseServer.builder().host("127.0.0.1").httpPort(18081).grpcPort(19091)
        .model(new CheckpointEmbeddingModel(model, decode)).collectionsRoot(Path.of(a[2]))
        .batching(new BatchingConfig(64, Duration.ofNanos(2_000_000), List.of(), 1024, Duration.ofMillis(30000)))
        .limits(ServiceLimits.defaults()).build().start();
    s.awaitTermination();
  }
}
