package io.mmfuse.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The search benchmarks' data: standard-normal float32 vectors drawn from a fixed seed, written
 * once as .npy files that the JMH benchmarks and the Python anchors both read. Regenerating gives
 * the same bytes, so results of different runs are comparable.
 *
 * <p>Usage: {@code BenchVectors <dir> [databaseRows] [queryRows] [dim]}; prints the two paths.
 */
public final class BenchVectors {
    public static final long DATABASE_SEED = 42;
    public static final long QUERY_SEED = 4242;
    public static final int DEFAULT_ROWS = 1_000_000;
    public static final int DEFAULT_QUERIES = 64;
    public static final int DEFAULT_DIM = 256;

    private BenchVectors() {}

    public static Path databasePath(Path dir, int rows, int dim) {
        return dir.resolve("vectors-s" + DATABASE_SEED + "-" + rows + "x" + dim + ".npy");
    }

    public static Path queryPath(Path dir, int rows, int dim) {
        return dir.resolve("queries-s" + QUERY_SEED + "-" + rows + "x" + dim + ".npy");
    }

    /** Writes the file unless one with this shape is already there; returns its path. */
    public static Path ensure(Path path, int rows, int dim, long seed) throws IOException {
        if (Files.exists(path)) {
            try (NpyFile f = NpyFile.open(path)) {
                if (f.rows() == rows && f.cols() == dim) {
                    return path;
                }
            } catch (IOException e) {
                // fall through and rewrite a damaged file
            }
        }
        Files.createDirectories(path.toAbsolutePath().getParent());
        SplittableRandom random = new SplittableRandom(seed);
        NpyFile.write(path, rows, dim, (r, row) -> {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) random.nextGaussian();
            }
        });
        return path;
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: BenchVectors <dir> [databaseRows] [queryRows] [dim]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : DEFAULT_ROWS;
        int queries = args.length > 2 ? Integer.parseInt(args[2]) : DEFAULT_QUERIES;
        int dim = args.length > 3 ? Integer.parseInt(args[3]) : DEFAULT_DIM;
        System.out.println(ensure(databasePath(dir, rows, dim), rows, dim, DATABASE_SEED));
        System.out.println(ensure(queryPath(dir, queries, dim), queries, dim, QUERY_SEED));
    }
}
