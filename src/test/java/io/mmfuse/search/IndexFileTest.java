package io.mmfuse.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mmfuse.MmfuseException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IndexFileTest {
    @TempDir
    Path dir;

    private static StoredIndex sample() {
        return new StoredIndex("fp-123", StoredIndex.Modality.TEXT, List.of("a", "b", "c"),
                List.of("ein Hund", "狗", "🐕 dog"), new FloatMatrix(3, 2, new float[] {1, 2, 3, 4, -5, 6.5f}));
    }

    @Test
    void roundTripKeepsEverything() throws Exception {
        Path f = dir.resolve("idx.mmf");
        IndexFile.save(sample(), f);
        StoredIndex back = IndexFile.load(f);
        assertThat(back.modelFingerprint()).isEqualTo("fp-123");
        assertThat(back.modality()).isEqualTo(StoredIndex.Modality.TEXT);
        assertThat(back.ids()).containsExactly("a", "b", "c");
        assertThat(back.labels()).containsExactly("ein Hund", "狗", "🐕 dog");
        assertThat(back.vectors().data()).containsExactly(1, 2, 3, 4, -5, 6.5f);
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(f);
        }
    }

    @Test
    void flippedByteAndTruncationAreDetected() throws Exception {
        Path f = dir.resolve("idx.mmf");
        IndexFile.save(sample(), f);
        byte[] bytes = Files.readAllBytes(f);
        byte[] flipped = bytes.clone();
        flipped[bytes.length - 12] ^= 0x40;
        Files.write(dir.resolve("flipped"), flipped);
        assertThatThrownBy(() -> IndexFile.load(dir.resolve("flipped"))).isInstanceOf(MmfuseException.class)
                .hasMessageContaining("checksum");
        Files.write(dir.resolve("cut"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> IndexFile.load(dir.resolve("cut"))).isInstanceOf(MmfuseException.class)
                .hasMessageContaining("truncated");
        Files.writeString(dir.resolve("junk"), "hello, this is not an index file");
        assertThatThrownBy(() -> IndexFile.load(dir.resolve("junk"))).hasMessageContaining("magic");
    }

    @Test
    void overwriteReplacesAtomically() {
        Path f = dir.resolve("idx.mmf");
        IndexFile.save(sample(), f);
        StoredIndex other = new StoredIndex("fp-2", StoredIndex.Modality.IMAGE, List.of("x"), List.of("x.jpg"),
                new FloatMatrix(1, 2, new float[] {9, 9}));
        IndexFile.save(other, f);
        assertThat(IndexFile.load(f).modelFingerprint()).isEqualTo("fp-2");
    }
}
