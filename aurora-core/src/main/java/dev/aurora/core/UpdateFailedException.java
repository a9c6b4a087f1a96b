package dev.aurora.core;

import dev.aurora.api.AuroraException;

/**
 * An awaited rolling update ended without rolling forward: it rolled back, was aborted, failed or hit
 * an error. {@link #update()} tells which, and why, in its status and last event.
 *
 * @see Scheduler#whenRolledForward(UpdateId)
 */
public class UpdateFailedException extends AuroraException {
  private static final long serialVersionUID = 1L;
  private final transient UpdateDetails update;

  /** Creates the exception for an update that ended in {@code update.status()}. */
  public UpdateFailedException(UpdateDetails update) {
    super("update " + update.id() + " of " + update.job() + " ended " + update.status()
        + lastMessage(update) + " instead of ROLLED_FORWARD");
    this.update = update;
  }

  private static String lastMessage(UpdateDetails update) {
    if (update.events().isEmpty()) {
      return "";
    }
    String message = update.events().get(update.events().size() - 1).message();
    return message.isEmpty() ? "" : " (" + message + ")";
  }

  /** The update as it ended. */
  public UpdateDetails update() {
    return update;
  }
}
