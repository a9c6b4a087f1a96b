package dev.aurora.cli.internal;

/** The exit codes of the command line, as the operator API's route table fixes them. */
public final class ExitCodes {
  public static final int OK = 0;
  public static final int SERVER_ERROR = 1;
  public static final int USAGE = 2;
  public static final int NOT_FOUND = 3;
  public static final int NOT_AUTHORIZED = 4;
  public static final int UNREACHABLE = 5;
  public static final int UPDATE_FAILED = 6;

  private ExitCodes() {}

  /** The exit code for an HTTP error status. */
  public static int forStatus(int status) {
    return switch (status) {
      case 404 -> NOT_FOUND;
      case 401, 403 -> NOT_AUTHORIZED;
      default -> SERVER_ERROR;
    };
  }
}
