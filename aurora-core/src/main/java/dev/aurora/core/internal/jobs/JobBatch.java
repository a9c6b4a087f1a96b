package dev.aurora.core.internal.jobs;

import dev.aurora.api.AuroraException;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.core.JobConflictException;
import dev.aurora.core.JobsRefusedException;
import dev.aurora.core.JobsRefusedException.Refusal;
import dev.aurora.core.QuotaExceededException;
import dev.aurora.core.internal.auth.Admission;
import dev.aurora.core.internal.quota.QuotaController;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * A batch of jobs created all or none ({@code Scheduler.createJobs}): every job is authorized and
 * checked as a single {@code createJob} is ({@link Jobs#checkCreate}), keys must differ within the
 * batch and each role's quota must cover the batch's sum; only then is any job created. Runs on the
 * state loop inside one transaction, so the whole batch is stored with one append.
 */
public final class JobBatch {
  private static final String ACTION = "createJobs"; // each job authorized on its role, audited on its own

  private final Jobs jobs;
  private final Admission admission;
  private final QuotaController quota;
  private final UnaryOperator<JobConfig> resolveTier;

  /** @param resolveTier gives a job entering the scheduler its configured tier, or refuses it */
  public JobBatch(Jobs jobs, Admission admission, QuotaController quota, UnaryOperator<JobConfig> resolveTier) {
    this.jobs = jobs;
    this.admission = admission;
    this.quota = quota;
    this.resolveTier = resolveTier;
  }

  /**
   * Creates every job of {@code batch}, or none.
   *
   * @throws JobsRefusedException naming every problem of every job; only audit entries were stored
   */
  public void create(List<JobConfig> batch, Principal by) {
    int n = batch.size();
    String[] targets = new String[n];
    JobConfig[] resolved = new JobConfig[n];
    String[] ownProblem = new String[n];
    boolean[] denied = new boolean[n];
    List<Refusal> refusals = new ArrayList<>();

    Map<JobKey, List<Integer>> positions = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      positions.computeIfAbsent(batch.get(i).key(), k -> new ArrayList<>(1)).add(i);
    }
    Set<String> rolesRefusedAlone = new HashSet<>();
    for (int i = 0; i < n; i++) {
      JobConfig job = batch.get(i);
      JobKey key = job.key();
      targets[i] = key + " x" + job.instances();
      AuroraException denial = admission.authorize(by, ACTION, key.role(), targets[i]);
      if (denial != null) {
        denied[i] = true;
        refusals.add(new Refusal(List.of(key), denial));
        continue;
      }
      List<Integer> at = positions.get(key);
      if (at.size() > 1) {
        if (at.get(0) == i) {
          refusals.add(new Refusal(List.of(key), new JobConflictException(key, "appears more than once in the batch ("
              + String.join(", ", at.stream().map(p -> "jobs[" + p + "]").toList()) + ")")));
        }
        ownProblem[i] = "appears more than once in the batch";
        continue;
      }
      try {
        resolved[i] = resolveTier.apply(job);
        jobs.checkCreate(resolved[i]);
      } catch (AuroraException e) {
        if (e instanceof QuotaExceededException) {
          rolesRefusedAlone.add(key.role());
        }
        resolved[i] = null;
        ownProblem[i] = e.getMessage();
        refusals.add(new Refusal(List.of(key), e));
      }
    }
    List<JobConfig> sums = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      if (resolved[i] != null && !rolesRefusedAlone.contains(resolved[i].key().role())) {
        sums.add(resolved[i]);
      }
    }
    List<Refusal> overQuota = quota.checkNewJobs(sums);
    for (Refusal r : overQuota) {
      for (int i = 0; i < n; i++) {
        if (resolved[i] != null && r.jobs().contains(resolved[i].key())) {
          ownProblem[i] = r.reason().getMessage();
        }
      }
    }
    refusals.addAll(overQuota);

    if (!refusals.isEmpty()) {
      JobsRefusedException refused = new JobsRefusedException(refusals);
      String others = "refused with its batch: " + refused.problems().get(0)
          + (refusals.size() > 1 ? " (and " + (refusals.size() - 1) + " more)" : "");
      for (int i = 0; i < n; i++) {
        if (!denied[i]) {
          admission.refused(by, ACTION, targets[i], ownProblem[i] != null ? ownProblem[i] : others);
        }
      }
      throw refused;
    }
    long tasks = 0;
    for (int i = 0; i < n; i++) {
      tasks += resolved[i].isCron() ? 0 : resolved[i].instances();
    }
    jobs.reserveTasks((int) Math.min(tasks, Integer.MAX_VALUE / 4));
    for (int i = 0; i < n; i++) {
      jobs.insert(resolved[i], by);
      admission.done(by, ACTION, targets[i]);
    }
  }
}
