package dev.aurora.core;

import dev.aurora.api.AuroraException;

/**
 * An operation named a rolling update the scheduler does not know: never started, or pruned from
 * the history it keeps. Nothing was changed.
 */
public class NoSuchUpdateException extends AuroraException {
  private static final long serialVersionUID = 1L;
  private final UpdateId update;

  /** Creates the exception for {@code update}. */
  public NoSuchUpdateException(UpdateId update) {
    super("no update " + update + " is known");
    this.update = update;
  }

  /** The update that is not known. */
  public UpdateId update() {
    return update;
  }
}
