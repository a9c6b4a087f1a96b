package dev.aurora.local.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * A process's start time from the {@code starttime} field of its {@code /proc/<pid>/stat} (clock ticks
 * since boot), as epoch milliseconds computed the way the JDK computes {@link ProcessHandle.Info#startInstant}
 * (boot time from {@code /proc/stat} plus the ticks): so a process table read once tells whether a
 * pid still names the process that was started, without asking the JDK for each (which reads several
 * files and the user database per process). The tick rate is learnt once, from this JVM's own entry.
 */
final class ProcStart {
  private static final long BOOT_MILLIS;
  private static final long TICKS_PER_SECOND; // 0 if not known: then every start time is unknown

  static {
    long boot = -1;
    long hz = 0;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.ISO_8859_1)) {
        if (line.startsWith("btime ")) {
          boot = Long.parseLong(line.substring(6).trim()) * 1000;
        }
      }
      String stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.ISO_8859_1);
      long ticks = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ", 21)[19]);
      Optional<Instant> jdk = ProcessHandle.current().info().startInstant();
      if (boot >= 0 && jdk.isPresent()) {
        for (long candidate : new long[] {100, 250, 300, 1000, 1024, 32, 64, 128, 256, 512}) {
          if (boot + ticks * 1000 / candidate == jdk.get().toEpochMilli()) {
            hz = candidate;
            break;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      hz = 0; // no /proc, or not as expected: the JDK is asked instead
    }
    BOOT_MILLIS = boot;
    TICKS_PER_SECOND = hz;
  }

  private ProcStart() {}

  /** The start time (epoch ms) of a process whose {@code starttime} field is {@code ticks}; -1 if not known. */
  static long millis(String ticks) {
    if (TICKS_PER_SECOND == 0 || ticks == null) {
      return -1;
    }
    try {
      return BOOT_MILLIS + Long.parseLong(ticks) * 1000 / TICKS_PER_SECOND;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Whether start times are read from {@code /proc} (for tests). */
  static boolean known() {
    return TICKS_PER_SECOND != 0;
  }
}
