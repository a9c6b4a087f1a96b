package dev.aurora.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.immutables.value.Value;

/**
 * How a rolling update moves a job's instances to a new config.
 *
 * <pre>{@code
 * UpdateSettings.builder()
 *     .batchSizes(1, 5, 20)            // growing batches: 1, then 5, then 20 at a time
 *     .watch(Duration.ofSeconds(30))   // healthy for 30s in RUNNING before an instance counts
 *     .maxFailedInstances(2)
 *     .rollbackOnFailure(true)
 *     .build();
 * }</pre>
 */
@Value.Immutable
@JsonSerialize(as = ImmutableUpdateSettings.class)
@JsonDeserialize(as = ImmutableUpdateSettings.class)
public abstract class UpdateSettings {
  /** One instance at a time, 30 seconds of watch, no failures tolerated, roll back on failure. */
  public static final UpdateSettings DEFAULT = builder().build();

  /**
   * The batch sizes: {@code [5]} updates five instances at a time; {@code [1, 5, 20]} grows the batch
   * after each one, the last size repeating.
   */
  public abstract List<Integer> batchSizes();

  /** Whether a batch must finish entirely before the next starts (otherwise the window slides). */
  @Value.Default
  public boolean waitForBatchCompletion() {
    return false;
  }

  /** How long an instance must be RUNNING and healthy before it counts as updated. */
  @Value.Default
  public Duration watch() {
    return Duration.ofSeconds(30);
  }

  /** How many times one instance may fail before it counts as a failed instance. */
  @Value.Default
  public int maxPerInstanceFailures() {
    return 0;
  }

  /** How many failed instances the update tolerates before it fails. */
  @Value.Default
  public int maxFailedInstances() {
    return 0;
  }

  /** Whether a failed update rolls the changed instances back to their old config. */
  @Value.Default
  public boolean rollbackOnFailure() {
    return true;
  }

  /** If set, the update blocks unless pulsed at least this often (so an outside system can hold it). */
  public abstract Optional<Duration> pulseInterval();

  /**
   * Whether the update pauses after each batch ({@code ROLL_FORWARD_PAUSED}) until an operator resumes
   * it; a batch then finishes before the next starts, as with {@link #waitForBatchCompletion()}. No
   * pause follows the last batch.
   */
  @Value.Default
  public boolean autopauseAfterBatch() {
    return false;
  }

  /**
   * The only instances the update may change; empty (the default) for every instance. The others keep
   * the config they run, also when they are replaced later. Every instance the update adds or
   * removes must be listed.
   */
  @Value.Default
  public List<Integer> updateOnlyTheseInstances() {
    return List.of();
  }

  /** The batch size for batch number {@code index} (0-based): the last size repeats. */
  public int batchSize(int index) {
    List<Integer> sizes = effectiveBatchSizes();
    return sizes.get(Math.min(index, sizes.size() - 1));
  }

  private List<Integer> effectiveBatchSizes() {
    return batchSizes().isEmpty() ? List.of(1) : batchSizes();
  }

  /** A builder with the defaults of {@link #DEFAULT}. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link UpdateSettings}; {@code batchSizes(int...)} takes the sizes in order. */
  public static final class Builder extends ImmutableUpdateSettings.Builder {
    Builder() {}

    /** Sets the batch sizes: one for fixed batches, several for growing ones. */
    public Builder batchSizes(int... sizes) {
      List<Integer> list = new ArrayList<>(sizes.length);
      for (int s : sizes) {
        list.add(s);
      }
      batchSizes(list);
      return this;
    }

    /** Sets the only instances the update may change. */
    public Builder updateOnlyTheseInstances(int... instances) {
      List<Integer> list = new ArrayList<>(instances.length);
      for (int i : instances) {
        list.add(i);
      }
      updateOnlyTheseInstances(list);
      return this;
    }
  }

  @Value.Check
  protected void check() {
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < batchSizes().size(); i++) {
      if (batchSizes().get(i) < 1) {
        problems.add("update.batchSizes[" + i + "]: must be >= 1, was " + batchSizes().get(i));
      }
    }
    if (watch().isNegative()) {
      problems.add("update.watch: must not be negative, was " + watch());
    }
    if (maxPerInstanceFailures() < 0) {
      problems.add("update.maxPerInstanceFailures: must be >= 0, was " + maxPerInstanceFailures());
    }
    if (maxFailedInstances() < 0) {
      problems.add("update.maxFailedInstances: must be >= 0, was " + maxFailedInstances());
    }
    for (int i = 0; i < updateOnlyTheseInstances().size(); i++) {
      int instance = updateOnlyTheseInstances().get(i);
      if (instance < 0) {
        problems.add("update.updateOnlyTheseInstances[" + i + "]: must be >= 0, was " + instance);
      } else if (updateOnlyTheseInstances().indexOf(instance) != i) {
        problems.add("update.updateOnlyTheseInstances[" + i + "]: instance " + instance + " is listed twice");
      }
    }
    pulseInterval().ifPresent(p -> {
      if (p.isZero() || p.isNegative()) {
        problems.add("update.pulseInterval: must be > 0, was " + p);
      }
    });
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
  }
}
