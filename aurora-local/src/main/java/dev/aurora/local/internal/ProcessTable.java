package dev.aurora.local.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A snapshot of the machine's processes (pid, parent, process group, whether a zombie, resident
 * memory), read from {@code /proc} on Linux and from {@code ps} elsewhere. It answers which living
 * processes belong to a task's {@link ProcessGroup}s and how much memory they hold.
 *
 * <p>Zombies count as gone: they hold no memory and cannot be killed, and a container's init may
 * never reap them.
 */
final class ProcessTable {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessTable.class);
  private static final Path PROC = Path.of("/proc");

  /** A process; {@code startMillis} is when it started (epoch ms), -1 if not known. */
  private record Entry(long pid, long ppid, long pgid, boolean zombie, long rssKb, long startMillis) {}

  private final Map<Long, Entry> byPid;
  private final boolean fromProc;
  // built on first use (the table is shared among threads), then only read: each process's children
  // and each group's processes, so finding a task's processes does not walk the whole table each time
  private Map<Long, List<Long>> children;
  private Map<Long, List<Long>> byGroup;

  private ProcessTable(Map<Long, Entry> byPid, boolean fromProc) {
    this.byPid = byPid;
    this.fromProc = fromProc;
  }

  private static final Object SCAN = new Object();
  // guarded by SCAN: the latest scan and when it began (System.nanoTime)
  private static ProcessTable latest;
  private static long latestBegan;
  /** How many times the table was read, in this JVM: what a kill costs is mostly these reads. */
  private static final java.util.concurrent.atomic.AtomicLong READS = new java.util.concurrent.atomic.AtomicLong();

  /** How many times the process table was read in this JVM. */
  static long reads() {
    return READS.get();
  }

  /** Reads the process table now. */
  static ProcessTable snapshot() {
    READS.incrementAndGet();
    return Files.isReadable(PROC.resolve("self/stat")) ? fromProc() : fromPs();
  }

  /**
   * A snapshot whose scan began at or after {@code notBeforeNanos} ({@link System#nanoTime}): the latest
   * one if it is that recent, else a new one. Callers at the same time share a scan (one at a time runs),
   * so many tasks being killed at once read {@code /proc} a few times per poll, not once each.
   */
  static ProcessTable snapshotSince(long notBeforeNanos) {
    synchronized (SCAN) {
      if (latest != null && latestBegan - notBeforeNanos >= 0) {
        return latest;
      }
      long began = System.nanoTime();
      ProcessTable table = snapshot();
      latest = table;
      latestBegan = began;
      return table;
    }
  }

  /**
   * The living pids of {@code groups}: every process in each own process group (not one whose leader
   * pid was reused), the leaders, and all their descendants.
   */
  Set<Long> members(Collection<ProcessGroup> groups) {
    index();
    Deque<Long> todo = new ArrayDeque<>();
    for (ProcessGroup group : groups) {
      if (leaderPidReused(group)) {
        continue;
      }
      todo.add(group.pgid());
      if (group.ownGroup()) {
        todo.addAll(byGroup.getOrDefault(group.pgid(), List.of()));
      }
    }
    Set<Long> members = new HashSet<>();
    while (!todo.isEmpty()) {
      long pid = todo.poll();
      Entry e = byPid.get(pid);
      if (e != null && members.add(pid)) {
        todo.addAll(children.getOrDefault(pid, List.of()));
      }
    }
    members.removeIf(pid -> byPid.get(pid).zombie());
    return members;
  }

  private synchronized void index() {
    if (children != null) {
      return;
    }
    Map<Long, List<Long>> kids = new HashMap<>();
    Map<Long, List<Long>> groups = new HashMap<>();
    for (Entry e : byPid.values()) {
      kids.computeIfAbsent(e.ppid(), k -> new ArrayList<>(2)).add(e.pid());
      groups.computeIfAbsent(e.pgid(), k -> new ArrayList<>(2)).add(e.pid());
    }
    byGroup = groups;
    children = kids;
  }

  /**
   * Whether the group's leader pid names another process now, by the start time this table read (no
   * further read of {@code /proc}); as {@link ProcessGroup#leaderPidReused()} where it is not known.
   */
  private boolean leaderPidReused(ProcessGroup group) {
    Entry leader = byPid.get(group.pgid());
    if (leader == null || group.leaderStartMillis() < 0) {
      return false; // no process has the pid: nothing of the group can be reached by it
    }
    if (leader.startMillis() < 0) {
      return group.leaderPidReused();
    }
    return Math.abs(leader.startMillis() - group.leaderStartMillis()) > ProcessGroup.START_TOLERANCE.toMillis();
  }

  /**
   * The living pids of {@code groups} now, and those of {@code seen} (members found earlier) still
   * alive: a process whose parent died and was reaped is reparented away from the tree, so the tree
   * alone would lose sight of it while it is still ending.
   */
  Set<Long> stillAlive(Collection<ProcessGroup> groups, Collection<Long> seen) {
    Set<Long> alive = members(groups);
    for (long pid : seen) {
      Entry e = byPid.get(pid);
      if (e != null && !e.zombie()) {
        alive.add(pid);
      }
    }
    return alive;
  }

  /** The summed resident memory of {@code pids}, in KiB; processes gone since the snapshot count 0. */
  long rssKb(Collection<Long> pids) {
    long sum = 0;
    for (long pid : pids) {
      Entry e = byPid.get(pid);
      sum += fromProc ? procRssKb(pid) : e == null ? 0 : Math.max(0, e.rssKb());
    }
    return sum;
  }

  private static ProcessTable fromProc() {
    Map<Long, Entry> byPid = new HashMap<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC, p -> isNumber(p.getFileName().toString()))) {
      for (Path dir : dirs) {
        String stat;
        try {
          stat = Files.readString(dir.resolve("stat"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
          continue; // the process ended while we looked
        }
        // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses
        // after comm: state(0) ppid(1) pgrp(2) ... starttime(19, clock ticks since boot)
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 21);
        long pid = Long.parseLong(dir.getFileName().toString());
        boolean zombie = f[0].equals("Z") || f[0].equals("X");
        byPid.put(pid, new Entry(pid, Long.parseLong(f[1]), Long.parseLong(f[2]), zombie, -1,
            ProcStart.millis(f.length > 19 ? f[19] : null)));
      }
    } catch (IOException e) {
      LOG.warn("cannot read /proc; trying ps", e);
      return fromPs();
    }
    return new ProcessTable(byPid, true);
  }

  private static long procRssKb(long pid) {
    try {
      for (String line : Files.readAllLines(PROC.resolve(pid + "/status"), StandardCharsets.ISO_8859_1)) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
        }
      }
    } catch (NoSuchFileException e) {
      return 0;
    } catch (IOException | RuntimeException e) {
      LOG.debug("cannot read the memory of process {}", pid, e);
    }
    return 0;
  }

  /** Reads the process table with {@code ps}, as on a machine without {@code /proc}. */
  static ProcessTable fromPs() {
    Map<Long, Entry> byPid = new HashMap<>();
    try {
      Process ps = new ProcessBuilder("ps", "-A", "-o", "pid=", "-o", "ppid=", "-o", "pgid=", "-o", "stat=",
          "-o", "rss=").redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out;
      try (InputStream in = ps.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      }
      ps.waitFor(10, TimeUnit.SECONDS);
      for (String line : out.split("\n")) {
        String[] f = line.trim().split("\\s+");
        if (f.length == 5 && isNumber(f[0])) {
          long pid = Long.parseLong(f[0]);
          byPid.put(pid, new Entry(pid, Long.parseLong(f[1]), Long.parseLong(f[2]), f[3].startsWith("Z"),
              Long.parseLong(f[4]), -1));
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot list processes with ps; only the leaders of process groups are seen", e);
      ProcessHandle.allProcesses().forEach(h -> byPid.put(h.pid(),
          new Entry(h.pid(), h.parent().map(ProcessHandle::pid).orElse(0L), -1, false, 0, -1)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return new ProcessTable(byPid, false);
  }

  private static boolean isNumber(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isDigit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }
}
