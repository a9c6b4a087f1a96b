package dev.aurora.testkit.internal.sim;

import dev.aurora.core.Op;
import dev.aurora.core.Storage;
import dev.aurora.core.StorageException;
import dev.aurora.testkit.ManualLeaderElection;
import java.util.List;
import java.util.Optional;

/**
 * The shared storage as one scheduler process sees it, fenced by leadership: a write (append or
 * snapshot) from a process that the election does not name leader at that moment is refused and
 * reported as a violation of {@link Checker#DEPOSED_NEVER_APPENDS}. The core fences each term's writes
 * itself; this wrapper, below the core, checks that it does. It also remembers whether an armed
 * storage fault fired on one of this process's appends, so the run knows which process crashed.
 */
public final class FencedStorage implements Storage {
  private final FaultyStorage inner;
  private final ManualLeaderElection election;
  private final int participant;
  private final String name;
  private final Checker checker;
  private boolean tripped;

  public FencedStorage(FaultyStorage inner, ManualLeaderElection election, int participant, String name,
      Checker checker) {
    this.inner = inner;
    this.election = election;
    this.participant = participant;
    this.name = name;
    this.checker = checker;
  }

  /** Whether an armed storage fault fired on one of this process's appends. */
  public boolean tripped() {
    return tripped;
  }

  private void fence(String what, int ops) {
    Optional<Integer> leader = election.leaderIndex();
    if (!leader.equals(Optional.of(participant))) {
      checker.violation(Checker.DEPOSED_NEVER_APPENDS, name + " wrote (" + what + " of " + ops + " ops) while "
          + leader.map(l -> "participant " + l + " led").orElse("nobody led"));
      throw new StorageException("fenced: " + name + " does not lead");
    }
  }

  @Override
  public Stored recover() {
    return inner.recover();
  }

  @Override
  public void append(List<Op> ops) {
    fence("append", ops.size());
    boolean before = inner.tripped();
    try {
      inner.append(ops);
    } catch (StorageException e) {
      if (!before && inner.tripped()) {
        tripped = true;
      }
      throw e;
    }
  }

  @Override
  public void snapshot(List<Op> snapshot) {
    fence("snapshot", snapshot.size());
    inner.snapshot(snapshot);
  }

  @Override
  public void close() {}
}
