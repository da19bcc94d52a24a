package io.mmfuse.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.InvalidInputException;
import io.mmfuse.data.Dataset;
import io.mmfuse.data.Sample;
import io.mmfuse.data.SyntheticShapes;
import io.mmfuse.image.ImageSource;
import io.mmfuse.model.ModelConfig;
import io.mmfuse.search.EmbeddingIndex;
import io.mmfuse.search.Hit;
import io.mmfuse.search.IndexFile;
import io.mmfuse.search.SearchBackends;
import io.mmfuse.search.StoredIndex;
import io.mmfuse.server.CheckpointEmbeddingModel;
import io.mmfuse.train.ProgressSink;
import io.mmfuse.train.TrainConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Train → checkpoint → index → search on the synthetic shapes, through the public API only. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EndToEndTest {
    private Path dir;

    private Dataset dataset;
    private TrainingOutcome outcome;

    @BeforeAll
    void train(@TempDir Path tempDir) {
        dir = tempDir;
        dataset = SyntheticShapes.generate(SyntheticShapes.Config.defaults().withSeed(3).withSplitSizes(600, 60, 100)
                .withCaptionsPerImage(3));
        ModelConfig model = ModelConfig.defaults().toBuilder().imageSize(32).cnnWidth(16).commonDim(64).build();
        TrainConfig train = TrainConfig.builder().epochs(4).batchSize(64).seed(1).threads(2).build();
        outcome = TrainingJob.run(new TrainingRequest(dataset, model, train, 1, 1000, dir.resolve("run"), null),
                ProgressSink.NONE, s -> { });
    }

    @Test
    void retrievalIsFarAboveChance() {
        // 100 test images: chance R@10 is 10 %.
        assertThat(outcome.test().textToImage().recallAt10()).isGreaterThan(0.4);
        assertThat(outcome.test().imageToText().recallAt10()).isGreaterThan(0.4);
        assertThat(outcome.report().skipped()).isEmpty();
    }

    @Test
    void indexSearchFromALoadedCheckpointFindsTheRightImage() {
        try (MmfuseModel model = MmfuseModel.load(outcome.checkpoint())) {
            List<ImageSource> images = new ArrayList<>();
            for (Sample s : dataset.test()) {
                images.add(s.image());
            }
            Path file = dir.resolve("images.mmf");
            IndexFile.save(Indexes.ofImages(model, images, 2).index(), file);
            StoredIndex stored = IndexFile.load(file);
            assertThat(stored.modelFingerprint()).isEqualTo(model.fingerprint());
            int hits = 0;
            try (EmbeddingIndex index = Indexes.open(stored, model, SearchBackends.Preference.CPU)) {
                for (Sample s : dataset.test()) {
                    List<Hit> top = index.search(model.embedTexts(List.of(s.captions().get(0))), 10).get(0);
                    if (top.stream().anyMatch(h -> h.id().equals(s.image().name()))) {
                        hits++;
                    }
                }
                assertThatThrownBy(() -> index.search(model.embedTexts(List.of("a red circle")), 101))
                        .isInstanceOf(InvalidInputException.class).hasMessageContaining("k");
            }
            assertThat(hits).as("text->image hits in top 10 of 100").isGreaterThan(40);
            assertThatThrownBy(() -> model.embedTexts(List.of("   "))).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("texts[0]");
            assertThatThrownBy(() -> model.embedTexts(List.of("zebra quantum"))).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("vocabulary");
        }
    }

    @Test
    void theEngineKeepsACollectionAcrossRestartsAndSearchesIt() {
        Path root = dir.resolve("collections");
        List<io.mmfuse.server.NewItem> items = new ArrayList<>();
        for (Sample s : dataset.test().subList(0, 20)) {
            items.add(io.mmfuse.server.NewItem.ofCaption(s.imageId(), s.captions().get(0)));
        }
        try (MmfuseEngine engine = MmfuseEngine.builder().checkpoint(outcome.checkpoint()).collectionsRoot(root).build()) {
            engine.collections().create("shapes");
            assertThat(engine.add("shapes", items).count()).isEqualTo(20);
        }
        try (MmfuseEngine engine = MmfuseEngine.builder().checkpoint(outcome.checkpoint()).collectionsRoot(root).build()) {
            // A caption no other of the 20 items has: synthetic captions repeat ("a white square"
            // is the caption of four of them), and which of several equal vectors ranks first is
            // decided by rounding noise, since the items were embedded as a batch and the query alone.
            List<String> captions = items.stream().map(io.mmfuse.server.NewItem::caption).toList();
            int unique = java.util.stream.IntStream.range(0, 20)
                    .filter(i -> java.util.Collections.frequency(captions, captions.get(i)) == 1).findFirst().orElseThrow();
            Sample target = dataset.test().get(unique);
            var hits = engine.search(io.mmfuse.server.SearchQuery.byText("shapes", target.captions().get(0), 3));
            assertThat(hits).hasSize(3);
            assertThat(hits.get(0).item().id()).isEqualTo(target.imageId());
            assertThat(hits.get(0).distance()).isLessThan(1e-4f);
            assertThatThrownBy(() -> engine.search(io.mmfuse.server.SearchQuery.byText("shapes", "   ", 3)))
                    .isInstanceOf(InvalidInputException.class);
        }
    }

    @Test
    void theEngineWarmsUpByDefaultWithoutChangingWhatItEmbeds(@org.junit.jupiter.api.io.TempDir Path root) throws Exception {
        byte[] bytes = dataset.test().get(1).image().readBytes();
        float[][] rows = new float[2][];
        boolean[] warm = {false, true};
        for (int i = 0; i < 2; i++) {
            MmfuseEngine.Builder b = MmfuseEngine.builder().checkpoint(outcome.checkpoint()).collectionsRoot(root.resolve("c" + i));
            try (MmfuseEngine engine = (warm[i] ? b : b.warmUp(false)).build()) {
                rows[i] = engine.embedImages(List.of(bytes)).row(0);
            }
        }
        assertThat(rows[1]).containsExactly(rows[0], org.assertj.core.data.Offset.offset(1e-6f));
    }

    @Test
    void anIndexFromAnotherModelIsRefused() {
        try (MmfuseModel model = MmfuseModel.load(outcome.checkpoint())) {
            StoredIndex foreign = new StoredIndex("someone-else", StoredIndex.Modality.TEXT, List.of("a"), List.of("a"),
                    new io.mmfuse.search.FloatMatrix(1, model.dimension(), new float[model.dimension()]));
            assertThatThrownBy(() -> Indexes.open(foreign, model, SearchBackends.Preference.CPU))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("another model");
        }
    }

    @Test
    void theServersImagePathEmbedsLikeTheLibraryAndWarmsUpTheDecoder() throws Exception {
        try (MmfuseModel model = MmfuseModel.load(outcome.checkpoint())) {
            CheckpointEmbeddingModel served = new CheckpointEmbeddingModel(model);
            served.warmUp(); // decodes and embeds a generated PNG
            Sample s = dataset.test().get(0);
            byte[] bytes = s.image().readBytes();
            float[] viaServer = served.embedImages(List.of(served.prepareImage("images[0]", bytes))).row(0);
            assertThat(viaServer).containsExactly(model.embedImage(s.image()).row(0),
                    org.assertj.core.data.Offset.offset(1e-5f));
            byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length / 2);
            assertThatThrownBy(() -> served.prepareImage("images[3]", truncated))
                    .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.input()).isEqualTo("images[3]"));
        }
    }
}
