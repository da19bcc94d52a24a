package io.mmfuse.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyFileTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsRowsAndKeepsTheHeaderAligned() throws IOException {
        Path path = dir.resolve("m.npy");
        NpyFile.write(path, 5, 3, (r, row) -> {
            for (int j = 0; j < 3; j++) {
                row[j] = r * 10 + j + 0.5f;
            }
        });
        byte[] bytes = Files.readAllBytes(path);
        int headerLen = (bytes[8] & 0xFF) | (bytes[9] & 0xFF) << 8;
        assertEquals(0, (10 + headerLen) % 64, "numpy requires the data to start 64-byte aligned");
        assertEquals(10 + headerLen + 5 * 3 * 4, bytes.length);
        try (NpyFile f = NpyFile.open(path)) {
            assertEquals(5, f.rows());
            assertEquals(3, f.cols());
            assertArrayEquals(new float[] {20.5f, 21.5f, 22.5f, 30.5f, 31.5f, 32.5f}, f.readRows(2, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> f.readRows(4, 2));
        }
    }

    @Test
    void rejectsFilesThatAreNotFloat32Matrices() throws IOException {
        Path path = dir.resolve("bad.npy");
        Files.write(path, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
        assertThrows(IOException.class, () -> NpyFile.open(path));
    }

    @Test
    void benchVectorsAreDeterministicAndReused() throws IOException {
        Path a = BenchVectors.ensure(dir.resolve("a.npy"), 50, 8, 7);
        Path b = BenchVectors.ensure(dir.resolve("b.npy"), 50, 8, 7);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        long modified = Files.getLastModifiedTime(a).toMillis();
        BenchVectors.ensure(a, 50, 8, 7);
        assertEquals(modified, Files.getLastModifiedTime(a).toMillis(), "an existing file of the right shape is kept");
    }
}
