package dev.aurora.local.internal;

import dev.aurora.api.TaskId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the sandboxes of ended tasks for a bounded time and count: a sandbox is deleted when it is
 * older than the maximum age, or when newer ones fill the maximum count.
 */
final class SandboxRetention {
  private static final Logger LOG = LoggerFactory.getLogger(SandboxRetention.class);

  private record Kept(TaskId taskId, Path dir, Instant endedAt, ScheduledFuture<?> expiry) {}

  private final Duration maxAge;
  private final int maxCount;
  private final ScheduledExecutorService timer;
  /** Oldest first. */
  private final List<Kept> kept = new ArrayList<>();

  SandboxRetention(Duration maxAge, int maxCount, ScheduledExecutorService timer) {
    this.maxAge = maxAge;
    this.maxCount = maxCount;
    this.timer = timer;
  }

  /** Keeps the sandbox of a task that ended at {@code endedAt}, deleting whatever that pushes out. */
  void add(TaskId taskId, Path dir, Instant endedAt) {
    List<Kept> expired = new ArrayList<>();
    synchronized (this) {
      Duration left = Duration.between(Instant.now(), endedAt.plus(maxAge));
      if (left.isNegative() || left.isZero()) {
        expired.add(new Kept(taskId, dir, endedAt, null));
      } else {
        ScheduledFuture<?> expiry = null;
        try {
          expiry = timer.schedule(() -> expire(dir), left.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
          // the backend is closing; the next one on this root expires the sandbox
        }
        int at = kept.size();
        while (at > 0 && kept.get(at - 1).endedAt().isAfter(endedAt)) {
          at--;
        }
        kept.add(at, new Kept(taskId, dir, endedAt, expiry));
      }
      while (kept.size() > maxCount) {
        expired.add(kept.remove(0));
      }
    }
    expired.forEach(SandboxRetention::delete);
  }

  /** The kept sandbox of {@code taskId}, if any. */
  synchronized Optional<Path> find(TaskId taskId) {
    for (int i = kept.size() - 1; i >= 0; i--) {
      if (kept.get(i).taskId().equals(taskId)) {
        return Optional.of(kept.get(i).dir());
      }
    }
    return Optional.empty();
  }

  private void expire(Path dir) {
    Kept gone = null;
    synchronized (this) {
      for (Kept k : kept) {
        if (k.dir().equals(dir)) {
          gone = k;
        }
      }
      kept.remove(gone);
    }
    if (gone != null) {
      delete(gone);
    }
  }

  private static void delete(Kept k) {
    if (k.expiry() != null) {
      k.expiry().cancel(false);
    }
    try (Stream<Path> paths = Files.walk(k.dir())) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      LOG.debug("deleted the sandbox of task {}: {}", k.taskId(), k.dir());
    } catch (NoSuchFileException e) {
      // already gone
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("cannot delete the sandbox of task {} at {}", k.taskId(), k.dir(), e);
    }
  }
}
