package dev.aurora.local.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The processes one started command stands for. With {@code setsid} the command leads a session and
 * process group of its own, and every process in that group (and below) belongs to it, even once its
 * parent is gone; without it, the leader and its descendants. The leader's start time guards against
 * a recycled pid being taken for the leader.
 *
 * <p>A pid file line is {@code <pgid> <leader start, epoch ms or -1> <group|tree>}.
 */
record ProcessGroup(long pgid, long leaderStartMillis, boolean ownGroup) {
  static final Duration START_TOLERANCE = Duration.ofSeconds(1);

  /** The group of a process just started. */
  static ProcessGroup of(ProcessHandle leader, boolean ownGroup) {
    long start = leader.info().startInstant().map(Instant::toEpochMilli).orElse(-1L);
    return new ProcessGroup(leader.pid(), start, ownGroup);
  }

  /** Parses a pid file line. */
  static ProcessGroup parse(String line) {
    String[] parts = line.trim().split("\\s+");
    if (parts.length != 3) {
      throw new IllegalArgumentException("not a pid file line: " + line);
    }
    return new ProcessGroup(Long.parseLong(parts[0]), Long.parseLong(parts[1]), parts[2].equals("group"));
  }

  /** The pid file line. */
  String line() {
    return pgid + " " + leaderStartMillis + " " + (ownGroup ? "group" : "tree");
  }

  /**
   * Whether the leader's pid now names some other process (the leader ended and its pid was used
   * again), in which case nothing of this group may be signalled by its id.
   */
  boolean leaderPidReused() {
    Optional<ProcessHandle> handle = ProcessHandle.of(pgid);
    if (handle.isEmpty() || leaderStartMillis < 0) {
      return false;
    }
    Optional<Instant> start = handle.get().info().startInstant();
    return start.isPresent()
        && Math.abs(start.get().toEpochMilli() - leaderStartMillis) > START_TOLERANCE.toMillis();
  }
}
