package io.mmfuse.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Real-data checks on the shared Flickr8k JPEGs (read in place, never copied). Run with
 * {@code mvn -o test -Pslow -Dtest=Flickr8kDecodeTest}; prints decode throughput.
 */
@Tag("slow")
class Flickr8kDecodeTest {
    private static final Path IMAGES = Path.of("/work/shared/data/flickr8k/images");

    private static List<ImageSource> firstImages(int n) throws IOException {
        assumeTrue(Files.isDirectory(IMAGES), "Flickr8k not available at " + IMAGES);
        try (Stream<Path> files = Files.list(IMAGES)) {
            return files.filter(p -> p.toString().endsWith(".jpg")).sorted().limit(n).map(ImageSource::of).toList();
        }
    }

    @Test
    void decodes200RealImages() throws IOException {
        List<ImageSource> sources = firstImages(200);
        ImageDecoder decoder = new ImageDecoder();
        DecodedBatch batch = decoder.decodeAll(sources, 2);
        assertThat(batch.failures()).isEmpty();
        assertThat(batch.count()).isEqualTo(sources.size());
        double sum = 0;
        for (float v : batch.data()) {
            assertThat(v).isBetween(-1f, 1f);
            sum += v;
        }
        double mean = sum / batch.data().length;
        assertThat(mean).as("photos are neither black nor white on average").isBetween(-0.6, 0.6);
    }

    @Test
    void throughput() throws IOException {
        List<ImageSource> sources = firstImages(500);
        ImageDecoder decoder = new ImageDecoder();
        decoder.decodeAll(sources.subList(0, 100), 2); // warm-up: JIT, page cache, OpenCV init
        for (int threads : new int[] {1, 2}) {
            double seconds = Double.MAX_VALUE; // best of 3: the build machine is shared
            for (int round = 0; round < 3; round++) {
                long start = System.nanoTime();
                DecodedBatch batch = decoder.decodeAll(sources, threads);
                seconds = Math.min(seconds, (System.nanoTime() - start) / 1e9);
                assertThat(batch.failures()).isEmpty();
            }
            System.out.printf("decode+resize %d Flickr8k JPEGs (file read included) -> 3x%dx%d, %d thread(s):"
                    + " best of 3 %.2f s, %.0f images/s%n",
                    sources.size(), decoder.options().size(), decoder.options().size(), threads, seconds,
                    sources.size() / seconds);
        }
    }
}
