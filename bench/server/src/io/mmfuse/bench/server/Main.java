package io.mmfuse.bench.server;

/**
 * Load and soak driver for {@code mmfuse serve} on loopback.
 *
 * <pre>
 * load   --http URL [--transport http|grpc --grpc HOST:PORT] --label L --out results.jsonl
 *        [--cases text,image,search --concurrency 1,8,64 --warmup-s 3 --measure-s 10 --collection-items 2000]
 * report --on batched.jsonl --off unbatched.jsonl --out table.md [--max-batch 64]
 * soak   --http URL --pid SERVER_PID [--agent-file F] --out-csv F --out-md F
 *        [--duration-s 600 --sample-s 10 --warmup-s 120 --clients 8 --max-growth 0.05]
 * </pre>
 * Exit codes: 0 ok, 2 usage, 3 load target not met, 4 soak trend above the limit.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] argv) throws Exception {
        if (argv.length == 0) {
            System.err.println("usage: load | report | soak [--key value ...] (see the class comment)");
            System.exit(2);
        }
        int code;
        try {
            Args a = new Args(argv, 1);
            code = switch (argv[0]) {
                case "load" -> LoadCommand.run(a);
                case "report" -> ReportCommand.run(a);
                case "soak" -> SoakCommand.run(a);
                default -> throw new IllegalArgumentException("unknown command " + argv[0]);
            };
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            code = 2;
        }
        System.exit(code);
    }
}
