package dev.aurora.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.Map;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * One process of a task: a shell command line with its environment and working directory. A task's
 * processes run one after another, as Thermos runs them; the task finishes when the last exits 0.
 *
 * <p>The command may use {@code {{port.NAME}}}, {@code {{instance}}} and {@code {{task_id}}}, which
 * are resolved for each task at launch.
 */
@Value.Immutable
@JsonSerialize(as = ImmutableProcessConfig.class)
@JsonDeserialize(as = ImmutableProcessConfig.class)
public abstract class ProcessConfig {

  /** The process's name, unique within its task ({@code [A-Za-z0-9_.-]+}). */
  public abstract String name();

  /** The command line, run by {@code sh -c}. */
  public abstract String command();

  /** Extra environment variables for this process. */
  public abstract Map<String, String> environment();

  /** The working directory, relative to the task's sandbox unless absolute; the sandbox if empty. */
  public abstract Optional<String> workingDirectory();

  /** A builder. */
  public static ImmutableProcessConfig.Builder builder() {
    return ImmutableProcessConfig.builder();
  }

  /** A process with a name and command line, no extra environment, run in the sandbox. */
  public static ProcessConfig of(String name, String command) {
    return builder().name(name).command(command).build();
  }
}
