package dev.aurora.cli.internal;

import dev.aurora.api.InvalidConfigException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;

/** Runs one command line: parse, execute, and map every failure to its exit code and message. */
public final class Launcher {
  private Launcher() {}

  public static int run(Root root, String... args) {
    PrintStream out = root.out;
    PrintStream err = root.err;
    CommandLine cl = new CommandLine(root);
    cl.setOut(new PrintWriter(new java.io.OutputStreamWriter(out, StandardCharsets.UTF_8), true));
    cl.setErr(new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof CliException c) {
        err.println("error: " + c.getMessage());
        return c.exitCode();
      }
      if (e instanceof InvalidConfigException ice) {
        err.println("error: " + (ice.problems().size() == 1 ? "invalid configuration:" : "invalid configuration, "
            + ice.problems().size() + " problems:"));
        ice.problems().forEach(p -> err.println("  - " + p));
        return ExitCodes.USAGE;
      }
      err.println("error: " + e);
      return ExitCodes.SERVER_ERROR;
    });
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }
}
