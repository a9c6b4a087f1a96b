package dev.aurora.local.internal;

import dev.aurora.api.TaskId;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskStatus;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds what earlier backends left under a sandbox root: sandboxes of ended tasks, to keep for the
 * retention period, and orphans, sandboxes whose task never recorded an end because its backend died.
 * Every process an orphan's pid file names is ended, and the orphan is recorded LOST.
 */
final class OrphanReaper {
  private static final Logger LOG = LoggerFactory.getLogger(OrphanReaper.class);

  /** A sandbox found under the root, with its task's final status (an orphan's is LOST). */
  record Found(TaskId taskId, Path dir, TaskStatus status, Instant endedAt, boolean orphan) {}

  private OrphanReaper() {}

  /** A task an earlier backend left running, with what is needed to adopt it. */
  record Adoptable(Sandbox sandbox, List<ProcessGroup> groups, LaunchRecord record) {}

  /** Scans {@code root}, ending orphans' processes with {@code grace} after SIGTERM. */
  static List<Found> reap(Path root, Duration grace) throws IOException {
    return reap(root, grace, null);
  }

  /**
   * Scans {@code root}, ending orphans' processes with {@code grace} after SIGTERM, except, when
   * {@code adoptable} is given, the orphans whose processes still run and whose launch is recorded:
   * those are put in it, untouched.
   */
  static List<Found> reap(Path root, Duration grace, Map<TaskId, Adoptable> adoptable) throws IOException {
    List<Found> found = new ArrayList<>();
    Map<Sandbox, List<ProcessGroup>> orphans = new LinkedHashMap<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root,
        p -> Files.isDirectory(p) && !p.getFileName().toString().startsWith("."))) {
      for (Path dir : dirs) {
        Optional<Sandbox> sandbox = Sandbox.open(dir);
        if (sandbox.isEmpty()) {
          continue;
        }
        try {
          Optional<TaskStatus> end = sandbox.get().end();
          if (end.isPresent()) {
            found.add(new Found(end.get().taskId(), dir, end.get(),
                sandbox.get().endedAt().toInstant(), false));
          } else {
            List<ProcessGroup> groups = sandbox.get().groups();
            Optional<LaunchRecord> record = adoptable == null ? Optional.empty() : sandbox.get().launch();
            if (record.isPresent() && !groups.isEmpty() && alive(groups.get(groups.size() - 1))) {
              adoptable.put(record.get().launch().taskId(), new Adoptable(sandbox.get(), groups, record.get()));
            } else {
              orphans.put(sandbox.get(), groups);
            }
          }
        } catch (IOException | RuntimeException e) {
          LOG.warn("cannot read the sandbox {}; leaving it alone", dir, e);
        }
      }
    }
    if (orphans.isEmpty()) {
      return found;
    }
    return end(orphans, grace, "orphan of an earlier local backend on this sandbox root, which stopped without ending it",
        found);
  }

  /**
   * Ends the processes of {@code orphans} (SIGTERM, {@code grace}, SIGKILL) and records each LOST with
   * {@code why}; adds each to {@code found} and returns it.
   */
  static List<Found> end(Map<Sandbox, List<ProcessGroup>> orphans, Duration grace, String why, List<Found> found)
      throws IOException {
    ProcessTable table = ProcessTable.snapshot();
    ProcessKiller.terminate(orphans.values().stream().flatMap(List::stream).toList(), grace);
    Instant now = Instant.now();
    for (Map.Entry<Sandbox, List<ProcessGroup>> entry : orphans.entrySet()) {
      Sandbox orphan = entry.getKey();
      Set<Long> alive = table.members(entry.getValue());
      TaskStatus status = TaskStatus.of(orphan.taskId(), ScheduleStatus.LOST,
          why + ": " + (alive.isEmpty() ? "none of its processes was still running"
                  : "killed its " + alive.size() + " remaining process" + (alive.size() == 1 ? "" : "es")));
      LOG.warn("task {}: {}", status.taskId(), status.message());
      orphan.recordEnd(status);
      found.add(new Found(status.taskId(), orphan.dir(), status, now, true));
    }
    return found;
  }

  /** Whether the group's leader still runs (its pid not taken by another process since). */
  private static boolean alive(ProcessGroup group) {
    return ProcessHandle.of(group.pgid()).map(ProcessHandle::isAlive).orElse(false) && !group.leaderPidReused();
  }
}
