package io.presplit.daemon;

import io.presplit.PresplitException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;

/** The {@code presplit} command line. */
@Command(
    name = "presplit",
    mixinStandardHelpOptions = true,
    versionProvider = PresplitCli.Version.class,
    description = "Predictive adaptive partitioning for time-series data.",
    subcommands = {RunCommand.class, DemoCommand.class, ReplayCommand.class, ForecastCommand.class, TrainCommand.class,
        CalibrateCommand.class, ProfileCommand.class, LoadTestCommand.class, CommandLine.HelpCommand.class})
public final class PresplitCli {
    private PresplitCli() {
    }

    /**
     * Runs the command line.
     *
     * @param args the arguments.
     */
    public static void main(final String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * An I/O failure in one line: the messages down its cause chain, each once; a file system exception, whose
     * message is only a path, with its kind and reason.
     */
    static String ioMessage(final Throwable ex) {
        final StringBuilder line = new StringBuilder();
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            final String part = cause instanceof FileSystemException fs ? fs.getClass().getSimpleName() + " [path="
                + fs.getFile() + (fs.getReason() == null ? "" : ", reason=" + fs.getReason()) + "]"
                : cause.getMessage();
            if (part != null && line.indexOf(part) < 0) {
                line.append(line.isEmpty() ? "" : ": ").append(part);
            }
        }
        return line.toString();
    }

    /** The configured picocli command line (tests drive it directly). */
    public static CommandLine commandLine() {
        final CommandLine commandLine = new CommandLine(new PresplitCli());
        commandLine.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
            if (ex instanceof IllegalArgumentException) {
                cmd.getErr().println("presplit: " + ex.getMessage());
                return 2;
            }
            if (ex instanceof PresplitException failure) {
                // A domain failure (a corrupt model file, a store that cannot open) says what and where: no trace.
                cmd.getErr().println("presplit: " + failure.getMessage());
                return 1;
            }
            if (ex instanceof UncheckedIOException || ex instanceof IOException) {
                // A file the command could not make or read (no room, no permission): the messages name it.
                cmd.getErr().println("presplit: " + ioMessage(ex));
                return 1;
            }
            throw ex;
        });
        return commandLine;
    }

    /** The version from the jar manifest, when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            final String version = PresplitCli.class.getPackage().getImplementationVersion();
            return new String[] {"presplit " + (version == null ? "(development build)" : version)};
        }
    }
}
