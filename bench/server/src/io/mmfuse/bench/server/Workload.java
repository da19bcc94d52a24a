package io.mmfuse.bench.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Request payloads read once at start: real JPEG files and their captions (Flickr8k layout:
 * images/*.jpg and captions.tsv {@code image_file<TAB>caption}), and the texts for text and search
 * queries: by default those captions, or the lines of another file (a model trained on other data
 * rejects texts with no word of its vocabulary).
 */
final class Workload {
    final List<String> imageNames;
    final List<byte[]> images;
    /** First caption of each image, in the order of {@link #images}. */
    final List<String> imageCaptions;
    /** Texts for text and search queries. */
    final List<String> captions;

    private Workload(List<String> imageNames, List<byte[]> images, List<String> imageCaptions, List<String> captions) {
        this.imageNames = imageNames;
        this.images = images;
        this.imageCaptions = imageCaptions;
        this.captions = captions;
    }

    static Workload load(Path imagesDir, Path captionsTsv, Path queries, int maxImages) throws IOException {
        Map<String, String> firstCaption = new HashMap<>();
        List<String> captions = new ArrayList<>();
        for (String line : Files.readAllLines(captionsTsv, StandardCharsets.UTF_8)) {
            int tab = line.indexOf('\t');
            if (tab <= 0 || tab == line.length() - 1) {
                continue;
            }
            String caption = line.substring(tab + 1).trim();
            captions.add(caption);
            firstCaption.putIfAbsent(line.substring(0, tab), caption);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(imagesDir)) {
            files = s.filter(p -> p.getFileName().toString().toLowerCase().endsWith(".jpg")).sorted().limit(maxImages).toList();
        }
        List<String> names = new ArrayList<>();
        List<byte[]> images = new ArrayList<>();
        List<String> imageCaptions = new ArrayList<>();
        for (Path f : files) {
            String name = f.getFileName().toString();
            names.add(name);
            images.add(Files.readAllBytes(f));
            imageCaptions.add(firstCaption.getOrDefault(name, name));
        }
        if (queries != null) {
            captions = new ArrayList<>();
            for (String line : Files.readAllLines(queries, StandardCharsets.UTF_8)) {
                String q = line.substring(line.indexOf('\t') + 1).trim();
                if (!q.isEmpty()) {
                    captions.add(q);
                }
            }
        }
        if (images.isEmpty() || captions.isEmpty()) {
            throw new IllegalArgumentException("no images in " + imagesDir + " or no query texts in "
                    + (queries != null ? queries : captionsTsv));
        }
        return new Workload(names, images, imageCaptions, captions);
    }

    String caption(long i) {
        return captions.get((int) Math.floorMod(i * 7919L, (long) captions.size()));
    }

    byte[] image(long i) {
        return images.get((int) Math.floorMod(i, (long) images.size()));
    }

    /**
     * Creates a collection and fills it with {@code count} items, 64 per request: images (embedded
     * by the server, labelled with a caption) or captions. Returns the seconds it took.
     */
    double fill(Target target, String collection, int count, boolean byImage) throws Exception {
        long t0 = System.nanoTime();
        target.createCollection(collection);
        long total = 0;
        for (int start = 0; start < count; start += 64) {
            int n = Math.min(64, count - start);
            List<String> ids = new ArrayList<>(n);
            List<byte[]> imgs = byImage ? new ArrayList<>(n) : null;
            List<String> caps = new ArrayList<>(n);
            for (int i = start; i < start + n; i++) {
                ids.add("item-" + i);
                int j = Math.floorMod(i, images.size());
                if (byImage) {
                    imgs.add(images.get(j));
                    caps.add(imageCaptions.get(j));
                } else {
                    caps.add(caption(i));
                }
            }
            total = target.add(collection, ids, imgs, caps);
        }
        if (total != count) {
            throw new IllegalStateException("collection " + collection + " holds " + total + " items, expected " + count);
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
