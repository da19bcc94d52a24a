package io.mmfuse.cli;

import io.mmfuse.InvalidInputException;
import io.mmfuse.MmfuseException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the mmfuse command line: a thin layer over the library. */
@Command(name = "mmfuse", mixinStandardHelpOptions = true, version = "mmfuse 0.1.0",
        description = "Multimodal (text/image) embedding, training and search.",
        subcommands = {QuickstartCommand.class, TrainCommand.class, EvalCommand.class, EmbedCommand.class,
                IndexCommand.class, SearchCommand.class, ServeCommand.class, TrainGanCommand.class,
                GenerateCommand.class, TrainCaptionerCommand.class, CaptionCommand.class, EvalCaptionsCommand.class,
                DoctorCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine cli = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // Library exceptions are expected failures: one clear line, no stack trace.
            if (e instanceof InvalidInputException) {
                cmd.getErr().println("error: " + e.getMessage());
                return ExitCodes.BAD_INPUT;
            }
            if (e instanceof MmfuseException) {
                cmd.getErr().println("error: " + e.getMessage());
                return ExitCodes.FAILED;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
