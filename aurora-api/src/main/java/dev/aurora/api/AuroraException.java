package dev.aurora.api;

/** The root of every exception this project throws on purpose; catch it to handle them all. */
public class AuroraException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message that says what went wrong. */
  public AuroraException(String message) {
    super(message);
  }

  /** Creates an exception with a message and the cause that led to it. */
  public AuroraException(String message, Throwable cause) {
    super(message, cause);
  }
}
