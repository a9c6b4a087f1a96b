package dev.aurora.core.internal.election;

import dev.aurora.core.LeaderElection;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** {@link LeaderElection#singleNode()}: leads from start to close; relinquishing is immediately followed by re-election. */
public final class SingleNodeElection implements LeaderElection {
  private final Optional<String> address;
  private @Nullable Listener listener;
  private boolean leading;
  private boolean closed;

  public SingleNodeElection(Optional<String> address) {
    this.address = address;
  }

  @Override
  public void start(Listener listener) {
    Objects.requireNonNull(listener, "listener");
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("leader election is closed");
      }
      if (this.listener != null) {
        throw new IllegalStateException("leader election is started already");
      }
      this.listener = listener;
      leading = true;
    }
    listener.elected();
  }

  @Override
  public synchronized boolean isLeader() {
    return leading;
  }

  @Override
  public synchronized Optional<String> leader() {
    return leading ? address : Optional.empty();
  }

  @Override
  public void relinquish() {
    Listener l;
    synchronized (this) {
      if (!leading || closed) {
        return;
      }
      leading = false;
      l = listener;
    }
    l.deposed();
    synchronized (this) {
      if (closed) {
        return;
      }
      leading = true;
    }
    l.elected();
  }

  @Override
  public void close() {
    Listener l;
    boolean wasLeading;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      wasLeading = leading;
      leading = false;
      l = listener;
    }
    if (wasLeading && l != null) {
      l.deposed();
    }
  }
}
