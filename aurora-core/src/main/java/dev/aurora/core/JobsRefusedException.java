package dev.aurora.core;

import dev.aurora.api.AuroraException;
import dev.aurora.api.JobKey;
import java.util.List;
import java.util.Objects;

/**
 * A {@link Scheduler#createJobs batch of jobs} was refused as a whole: {@link #refusals()} names every
 * problem of every job (a job that exists, a key twice in the batch, a denied role, an invalid
 * config, a role's quota exceeded by the batch's sum...). No job of the batch was created; only the
 * audit trail records the attempt.
 *
 * <pre>{@code
 * try {
 *   scheduler.createJobs(jobs, principal);
 * } catch (JobsRefusedException e) {
 *   e.refusals().forEach(r -> log.warn("{}: {}", r.jobs(), r.reason().getMessage()));
 * }
 * }</pre>
 */
public class JobsRefusedException extends AuroraException {
  private static final long serialVersionUID = 1L;
  private final transient List<Refusal> refusals;

  /**
   * One problem of a refused batch.
   *
   * @param jobs the jobs it concerns: one, or several when only their sum is refused (a role's quota)
   * @param reason what {@link Scheduler#createJob} would have thrown for it, e.g. a {@link
   *     JobConflictException}, {@link NotAuthorizedException} or {@link QuotaExceededException}
   */
  public record Refusal(List<JobKey> jobs, AuroraException reason) {
    /** Creates a refusal; {@code jobs} is copied. */
    public Refusal {
      jobs = List.copyOf(jobs);
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** Creates the exception from a non-empty list of refusals; the message lists each. */
  public JobsRefusedException(List<Refusal> refusals) {
    super(format(refusals));
    if (refusals.isEmpty()) {
      throw new IllegalArgumentException("a JobsRefusedException needs at least one refusal");
    }
    this.refusals = List.copyOf(refusals);
  }

  /** Every problem found, in the order of the batch (sums of several jobs last). */
  public List<Refusal> refusals() {
    return refusals;
  }

  /** Every problem as text, e.g. {@code "www-data/prod/web: a job with this key exists already"}. */
  public List<String> problems() {
    return refusals.stream().map(JobsRefusedException::describe).toList();
  }

  private static String describe(Refusal r) {
    String message = r.reason().getMessage();
    String keys = String.join(", ", r.jobs().stream().map(JobKey::toString).toList());
    return r.jobs().size() == 1 && message.startsWith(keys + ": ") ? message
        : (r.jobs().size() == 1 ? keys : keys + " together") + ": " + message;
  }

  private static String format(List<Refusal> refusals) {
    StringBuilder sb = new StringBuilder("batch of jobs refused, nothing created; ").append(refusals.size())
        .append(refusals.size() == 1 ? " problem:" : " problems:");
    for (Refusal r : refusals) {
      sb.append("\n  - ").append(describe(r));
    }
    return sb.toString();
  }
}
