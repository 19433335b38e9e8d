package io.presplit.daemon;

import io.presplit.PresplitException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

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
