package io.mmfuse.bench;

import io.mmfuse.text.Tokenizer;
import io.mmfuse.text.Vocabulary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Caption to padded token ids ({@link Vocabulary#encodePadded}, max 32 tokens) for a batch of
 * Flickr8k captions, with a vocabulary built from all captions at setup. captions/s = batch * 1000
 * / (ms/op). Checked: every id is in the vocabulary and every row has exactly 32 ids.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Measurement(iterations = 5, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
public class TextFeaturisationBenchmark {
    static final int MAX_LEN = 32;

    @Param({"1", "64"})
    public int batch;

    private Vocabulary vocabulary;
    private List<String> captions;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        captions = new ArrayList<>();
        for (String line : Files.readAllLines(BenchEnv.captionsFile(), StandardCharsets.UTF_8)) {
            int tab = line.indexOf('\t');
            if (tab > 0 && !line.substring(tab + 1).isBlank()) {
                captions.add(line.substring(tab + 1));
            }
        }
        vocabulary = Vocabulary.build(captions, new Tokenizer(), 2, 10_000);
    }

    @Benchmark
    public void encode(Blackhole bh) {
        int size = vocabulary.size();
        for (int b = 0; b < batch; b++) {
            int[] ids = vocabulary.encodePadded(captions.get(next), MAX_LEN);
            next = (next + 1) % captions.size();
            if (ids.length != MAX_LEN) {
                throw new IllegalStateException("expected " + MAX_LEN + " ids, got " + ids.length);
            }
            for (int id : ids) {
                if (id < 0 || id >= size) {
                    throw new IllegalStateException("id " + id + " outside the vocabulary of " + size);
                }
            }
            bh.consume(ids);
        }
    }
}
