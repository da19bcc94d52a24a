package io.mmfuse.bench;

import io.mmfuse.model.ModelConfig;
import io.mmfuse.model.MultimodalAutoencoder;
import io.mmfuse.model.Tensors;
import io.mmfuse.model.TrainingLoss;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One optimizer step of {@link MultimodalAutoencoder} as {@link io.mmfuse.train.Trainer} takes it:
 * heap batch to tensors, forward, {@link TrainingLoss}, backward, AdamW (weight decay on matrices
 * and kernels only), loss read back to the heap. examples/s = batch * 1000 / (ms/op).
 *
 * <p>{@code objective}: "contrastive" is the default model (InfoNCE, no decoders); "seed" is the
 * founding design (its alignment term plus image and bag-of-words reconstructions).
 *
 * <p>Checked: the loss is finite at every step, and since the same batch is repeated, the loss at
 * the end of the trial must be below the first step's (the steps really train).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class TrainStepBenchmark {
    @Param({"contrastive", "seed"})
    public String objective;

    @Param({"128"})
    public int batch;

    @Param({"2"})
    public int threads;

    private MultimodalAutoencoder model;
    private TrainingLoss loss;
    private AdamW optimizer;
    private float[] images;
    private long[] tokens;
    private int tokenWidth;
    private int[] imageIds;
    private int side;
    private float firstLoss = Float.NaN;
    private float lastLoss;

    @Setup(Level.Trial)
    public void setUp() {
        BenchEnv.configureNativeThreads(threads);
        ModelConfig config = BenchModels.config(objective);
        model = BenchModels.model(config);
        model.train(true);
        loss = new TrainingLoss(config);
        optimizer = adamW(model);
        side = config.imageSize();
        images = BenchModels.images(batch, side);
        int[] width = new int[1];
        tokens = Tensors.padTokens(BenchModels.tokens(batch), 0, batch, config.maxTokens(), config.vocabSize(), width);
        tokenWidth = width[0];
        imageIds = new int[batch];
        for (int i = 0; i < batch; i++) {
            imageIds[i] = i;
        }
    }

    @Benchmark
    public float step() {
        try (PointerScope scope = new PointerScope()) {
            Tensor x = Tensors.floats(images, model.device(), batch, 3, side, side);
            Tensor t = Tensors.longs(tokens, model.device(), batch, tokenWidth);
            MultimodalAutoencoder.Outputs out = model.forward(x, t, loss.reconstructs());
            TrainingLoss.Terms terms = loss.compute(out, model.logitScale(), x, t, imageIds);
            optimizer.zero_grad();
            terms.total().backward();
            optimizer.step();
            float value = terms.total().item_float();
            if (!Float.isFinite(value)) {
                throw new IllegalStateException("loss " + value);
            }
            if (Float.isNaN(firstLoss)) {
                firstLoss = value;
            }
            lastLoss = value;
            return value;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        optimizer.close();
        model.close();
        if (!(lastLoss < firstLoss)) {
            throw new IllegalStateException("loss did not go down on a repeated batch: " + firstLoss + " -> " + lastLoss);
        }
    }

    /** The Trainer's optimizer: AdamW, decay on tensors of rank >= 2 only. */
    private static AdamW adamW(MultimodalAutoencoder model) {
        TensorVector decay = new TensorVector();
        TensorVector noDecay = new TensorVector();
        try (PointerScope scope = new PointerScope()) {
            StringTensorDict params = model.named_parameters(true);
            for (long i = 0; i < params.size(); i++) {
                Tensor p = params.get(i).value();
                (p.dim() >= 2 ? decay : noDecay).push_back(p);
            }
        }
        AdamWOptions withDecay = new AdamWOptions(1e-3);
        withDecay.weight_decay().put(0.01);
        AdamW adamW = new AdamW(decay, withDecay);
        AdamWOptions withoutDecay = new AdamWOptions(1e-3);
        withoutDecay.weight_decay().put(0.0);
        adamW.add_param_group(new OptimizerParamGroup(noDecay, withoutDecay));
        decay.close();
        noDecay.close();
        return adamW;
    }
}
