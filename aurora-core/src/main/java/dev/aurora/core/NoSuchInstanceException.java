package dev.aurora.core;

import dev.aurora.api.AuroraException;
import dev.aurora.api.JobKey;
import java.util.Collection;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * An operation named instances of a job that have no active task: instance ids the job never had,
 * or instances that were killed or have finished. Nothing was changed, not even for the instances
 * named that do exist.
 */
public class NoSuchInstanceException extends AuroraException {
  private static final long serialVersionUID = 1L;
  private final transient JobKey job;
  private final SortedSet<Integer> instances;

  /** Creates the exception for the {@code instances} of {@code job} that have no active task. */
  public NoSuchInstanceException(JobKey job, Collection<Integer> instances) {
    this(job, new TreeSet<>(instances));
  }

  private NoSuchInstanceException(JobKey job, TreeSet<Integer> sorted) {
    super(job + ": no active instances " + sorted);
    this.job = job;
    this.instances = Collections.unmodifiableSortedSet(sorted);
  }

  /** The job concerned. */
  public JobKey job() {
    return job;
  }

  /** The instance ids named that have no active task, in ascending order. */
  public SortedSet<Integer> instances() {
    return instances;
  }
}
