package dev.aurora.core;

import dev.aurora.api.AuroraException;

/**
 * Storage could not make a write durable. The scheduler stops at once (its memory is ahead of its
 * storage) and must be restarted, which recovers the last acknowledged state.
 */
public class StorageException extends AuroraException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Creates the exception. */
  public StorageException(String message) {
    super(message);
  }
}
