package dev.aurora.cli;

import dev.aurora.cli.internal.Launcher;
import dev.aurora.cli.internal.Root;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * The {@code aurora} command line: {@code aurora job create|kill|restart|status|diff|inspect|add},
 * {@code aurora update start|pause|resume|abort|rollback|pulse|list|info|wait}, {@code aurora cron
 * start|deschedule|show}, {@code aurora quota get|set}, {@code aurora host drain|status|end},
 * {@code aurora task output}, {@code aurora why-pending}, {@code aurora backup now|list} and {@code
 * aurora completion}, over the operator HTTP API (docs/cli.md).
 *
 * <p>Exit codes: {@link #OK}, {@link #SERVER_ERROR}, {@link #USAGE}, {@link #NOT_FOUND}, {@link
 * #NOT_AUTHORIZED}, {@link #UNREACHABLE}, {@link #UPDATE_FAILED}.
 */
public final class AuroraCli {
  /** Exit code 0: done. */
  public static final int OK = 0;
  /** Exit code 1: the server answered with an error (a 4xx or 5xx other than those below). */
  public static final int SERVER_ERROR = 1;
  /** Exit code 2: bad usage, or a config file that is invalid (nothing was sent). */
  public static final int USAGE = 2;
  /** Exit code 3: not found (404). */
  public static final int NOT_FOUND = 3;
  /** Exit code 4: not authorized (401 or 403). */
  public static final int NOT_AUTHORIZED = 4;
  /** Exit code 5: the server cannot be reached. */
  public static final int UNREACHABLE = 5;
  /** Exit code 6: {@code update wait} (or {@code update start --wait}) ended other than ROLLED_FORWARD. */
  public static final int UPDATE_FAILED = 6;

  private AuroraCli() {}

  /** Runs the command line and exits with its exit code. */
  public static void main(String[] args) {
    Root root = new Root(System.out, System.err, System.getenv(), Path.of(System.getProperty("user.home")),
        System.console() != null);
    System.exit(Launcher.run(root, args));
  }

  /**
   * Runs the command line without exiting, for embedding and tests.
   *
   * @param out where results go
   * @param err where errors go
   * @param env the environment to read {@code AURORA_URL}, {@code AURORA_TOKEN}, {@code AURORA_USER}
   *     and {@code AURORA_PASSWORD} from
   * @param home the home directory holding {@code .aurora/clusters.json}
   * @param args the arguments, as after {@code aurora}
   * @return the exit code
   */
  public static int run(PrintStream out, PrintStream err, Map<String, String> env, Path home, String... args) {
    return Launcher.run(new Root(out, err, env, home, false), args);
  }
}
