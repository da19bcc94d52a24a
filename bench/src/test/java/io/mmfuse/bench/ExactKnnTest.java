package io.mmfuse.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExactKnnTest {
    @TempDir
    Path dir;

    @Test
    void ranksByDistanceWithLowerIdsFirstOnTies() throws IOException {
        // Points on a line at x = 0, 1, 2, ... ; rows 3 and 5 are the same distance from x = 4.
        Path path = dir.resolve("line.npy");
        NpyFile.write(path, 10, 2, (r, row) -> {
            row[0] = r;
            row[1] = 0;
        });
        try (NpyFile db = NpyFile.open(path)) {
            assertArrayEquals(new int[] {4, 3, 5, 2}, ExactKnn.topK(db, 10, new float[] {4, 0}, 4));
            assertArrayEquals(new int[] {2, 1}, ExactKnn.topK(db, 3, new float[] {4, 0}, 2), "only the first n rows count");
        }
    }
}
