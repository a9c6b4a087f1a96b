package dev.aurora.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import org.immutables.value.Value;

/** Names one instance of a job: the job's key and the instance id, {@code role/env/name/3}. */
@Value.Immutable(builder = false, copy = false)
public abstract class InstanceKey implements Comparable<InstanceKey> {

  /** The job this instance belongs to. */
  @Value.Parameter
  public abstract JobKey job();

  /** The instance id, from 0 to the job's instance count minus one. */
  @Value.Parameter
  public abstract int instance();

  /** Returns the key of instance {@code instance} of {@code job}. */
  public static InstanceKey of(JobKey job, int instance) {
    return ImmutableInstanceKey.of(job, instance);
  }

  /** Parses {@code role/env/name/instance}. */
  @JsonCreator
  public static InstanceKey parse(String text) {
    int slash = text.lastIndexOf('/');
    if (slash < 0) {
      throw new InvalidConfigException("instance: \"" + text + "\" is not of the form role/env/name/instance");
    }
    try {
      return of(JobKey.parse(text.substring(0, slash)), Integer.parseInt(text.substring(slash + 1)));
    } catch (NumberFormatException e) {
      throw new InvalidConfigException("instance: \"" + text + "\" does not end with an instance number");
    }
  }

  @Value.Check
  protected void check() {
    if (instance() < 0) {
      throw new InvalidConfigException("instance: must be >= 0, was " + instance());
    }
  }

  @JsonValue
  @Override
  public String toString() {
    return job() + "/" + instance();
  }

  @Override
  public int compareTo(InstanceKey o) {
    int c = job().compareTo(o.job());
    return c != 0 ? c : Integer.compare(instance(), o.instance());
  }
}
