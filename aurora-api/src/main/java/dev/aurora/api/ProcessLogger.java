package dev.aurora.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import org.immutables.value.Value;

/**
 * Where a process's standard output and standard error go, as Thermos's {@code Logger}: a
 * {@link #destination()} and a {@link #mode()}. A process takes its own ({@link
 * ProcessConfig#logger()}) or else its task's ({@link TaskConfig#logger()}), which by default writes
 * both streams to files in the sandbox, {@code <name>.stdout} and {@code <name>.stderr}, appended run
 * after run.
 *
 * <pre>{@code
 * t.logger(ProcessLogger.rotate(10 * 1024 * 1024, 3))          // every process: files of at most 10 MiB, 3 backups
 *  .process(ProcessConfig.builder().name("chatty").command("./chatty")
 *      .logger(ProcessLogger.none()).build())                    // this one: output discarded
 * }</pre>
 *
 * <p>With {@link Mode#ROTATE}, once a file would grow past {@link #maxSizeBytes()} it is renamed
 * {@code <name>.stdout.1} (the older backups move up to {@code .2}, ... and the one past {@link
 * #backups()} is deleted) and a new file is begun, as Thermos's {@code RotatePolicy(log_size,
 * backups)}. Output that goes through the runner ({@link Mode#ROTATE}, {@link Destination#CONSOLE},
 * {@link Destination#BOTH}) is copied by the runner, so such a process cannot outlive it: one a local
 * backend leaves running when it closes gets {@code SIGPIPE} at its next write.
 */
@Value.Immutable
@JsonSerialize(as = ImmutableProcessLogger.class)
@JsonDeserialize(as = ImmutableProcessLogger.class)
public abstract class ProcessLogger {

  /** Where output goes (Thermos's {@code destination}). */
  public enum Destination {
    /** Files in the sandbox: {@code <name>.stdout} and {@code <name>.stderr}. */
    FILE,
    /** The runner's own standard output and standard error (on Mesos, the executor's sandbox files). */
    CONSOLE,
    /** Both the files and the runner's console. */
    BOTH,
    /** Nowhere: discarded. */
    NONE
  }

  /** How the files are kept (Thermos's {@code mode}). */
  public enum Mode {
    /** One file per stream, growing without limit. */
    STANDARD,
    /** Files of at most {@link #maxSizeBytes()}, with {@link #backups()} older ones kept. */
    ROTATE
  }

  /** Where output goes; {@link Destination#FILE} by default. */
  @Value.Default
  public Destination destination() {
    return Destination.FILE;
  }

  /** How the files are kept; {@link Mode#STANDARD} by default. */
  @Value.Default
  public Mode mode() {
    return Mode.STANDARD;
  }

  /** With {@link Mode#ROTATE}: the largest a file grows before it is rotated; 100 MiB by default. */
  @Value.Default
  public long maxSizeBytes() {
    return 100L * 1024 * 1024;
  }

  /** With {@link Mode#ROTATE}: how many rotated files of each stream are kept; 5 by default. */
  @Value.Default
  public int backups() {
    return 5;
  }

  /** A builder. */
  public static ImmutableProcessLogger.Builder builder() {
    return ImmutableProcessLogger.builder();
  }

  /** The default: files in the sandbox, growing without limit. */
  public static ProcessLogger file() {
    return builder().build();
  }

  /** The runner's console only. */
  public static ProcessLogger console() {
    return builder().destination(Destination.CONSOLE).build();
  }

  /** Files in the sandbox and the runner's console. */
  public static ProcessLogger both() {
    return builder().destination(Destination.BOTH).build();
  }

  /** Output discarded. */
  public static ProcessLogger none() {
    return builder().destination(Destination.NONE).build();
  }

  /** Files in the sandbox of at most {@code maxSizeBytes}, keeping {@code backups} rotated ones. */
  public static ProcessLogger rotate(long maxSizeBytes, int backups) {
    return builder().mode(Mode.ROTATE).maxSizeBytes(maxSizeBytes).backups(backups).build();
  }

  /** Whether output is written to files in the sandbox. */
  public boolean writesFiles() {
    return destination() == Destination.FILE || destination() == Destination.BOTH;
  }

  /** Adds this logger's problems, under {@code path}, to {@code problems}. */
  void validate(String path, java.util.List<String> problems) {
    if (mode() != Mode.ROTATE) {
      return;
    }
    if (!writesFiles()) {
      problems.add(path + ".mode: ROTATE rotates files, but the destination " + destination() + " writes none");
    }
    if (maxSizeBytes() <= 0) {
      problems.add(path + ".maxSizeBytes: must be > 0 to rotate, was " + maxSizeBytes());
    }
    if (backups() <= 0) {
      problems.add(path + ".backups: must be > 0 to rotate, was " + backups());
    }
  }
}
