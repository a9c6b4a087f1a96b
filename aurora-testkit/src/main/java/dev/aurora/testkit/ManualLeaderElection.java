package dev.aurora.testkit;

import dev.aurora.core.LeaderElection;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A leader election driven by the test: a group of participants in one JVM, of which at most one
 * leads. A participant that starts while nobody leads is elected; when the leader relinquishes or
 * closes, the next started participant (in the order they started, after it) is elected. {@link
 * #depose()} leaves the group without a leader (as when the leader loses its session) until {@link
 * #elect} names one. Listeners are called on the calling thread, so with a manual state loop a
 * failover happens within the call.
 *
 * <pre>{@code
 * ManualLeaderElection election = ManualLeaderElection.group();
 * Scheduler a = Scheduler.builder()...leaderElection(election.participant("a:8081")).build();
 * Scheduler b = Scheduler.builder()...leaderElection(election.participant("b:8081")).build();
 * a.start(); b.start();          // a leads
 * election.elect(1);             // b leads: a stops scheduling, b recovers and schedules
 * }</pre>
 */
public final class ManualLeaderElection {
  private final List<Participant> started = new ArrayList<>();
  private final List<Participant> all = new ArrayList<>();
  private @Nullable Participant leader;

  private ManualLeaderElection() {}

  /** A new group with no participants. */
  public static ManualLeaderElection group() {
    return new ManualLeaderElection();
  }

  /** A new participant of this group that declares {@code address}. */
  public synchronized LeaderElection participant(String address) {
    Participant p = new Participant(Objects.requireNonNull(address, "address"));
    all.add(p);
    return p;
  }

  /** Deposes the leader, if any, and elects the {@code index}th participant created (it must be started). */
  public void elect(int index) {
    Participant p;
    synchronized (this) {
      p = all.get(index);
      if (!started.contains(p)) {
        throw new IllegalStateException("participant " + index + " (" + p.address + ") is not started");
      }
    }
    depose();
    synchronized (this) {
      leader = p;
    }
    p.listener.elected();
  }

  /** Deposes the leader, if any; nobody leads until {@link #elect}. */
  public void depose() {
    Participant was;
    synchronized (this) {
      was = leader;
      leader = null;
    }
    if (was != null) {
      was.listener.deposed();
    }
  }

  /** The index of the participant that leads, if one does. */
  public synchronized Optional<Integer> leaderIndex() {
    return leader == null ? Optional.empty() : Optional.of(all.indexOf(leader));
  }

  /** Deposes {@code p} if it leads and elects the next started participant after it (perhaps itself). */
  private void handOn(Participant p, boolean stay) {
    Participant next;
    synchronized (this) {
      if (leader != p) {
        return;
      }
      leader = null;
    }
    p.listener.deposed();
    synchronized (this) {
      if (!stay) {
        started.remove(p);
      }
      if (leader != null || started.isEmpty()) {
        return;
      }
      int i = started.indexOf(p);
      next = started.get(i < 0 ? 0 : (i + 1) % started.size());
      leader = next;
    }
    next.listener.elected();
  }

  private final class Participant implements LeaderElection {
    final String address;
    @Nullable Listener listener;
    boolean closed;

    Participant(String address) {
      this.address = address;
    }

    @Override
    public void start(Listener l) {
      Objects.requireNonNull(l, "listener");
      boolean elect;
      synchronized (ManualLeaderElection.this) {
        if (closed) {
          throw new IllegalStateException("leader election is closed");
        }
        if (listener != null) {
          throw new IllegalStateException("leader election is started already");
        }
        listener = l;
        started.add(this);
        elect = leader == null;
        if (elect) {
          leader = this;
        }
      }
      if (elect) {
        l.elected();
      }
    }

    @Override
    public boolean isLeader() {
      synchronized (ManualLeaderElection.this) {
        return leader == this;
      }
    }

    @Override
    public Optional<String> leader() {
      synchronized (ManualLeaderElection.this) {
        return leader == null ? Optional.empty() : Optional.of(leader.address);
      }
    }

    @Override
    public void relinquish() {
      handOn(this, true);
    }

    @Override
    public void close() {
      synchronized (ManualLeaderElection.this) {
        if (closed) {
          return;
        }
        closed = true;
      }
      handOn(this, false);
      synchronized (ManualLeaderElection.this) {
        started.remove(this);
      }
    }

    @Override
    public String toString() {
      return "participant " + address;
    }
  }
}
