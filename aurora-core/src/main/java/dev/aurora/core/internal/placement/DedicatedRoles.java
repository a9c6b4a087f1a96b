package dev.aurora.core.internal.placement;

import dev.aurora.api.Constraint;
import dev.aurora.api.InvalidConfigException;
import dev.aurora.api.JobConfig;
import dev.aurora.core.internal.CoreListener;
import java.util.ArrayList;
import java.util.List;

/**
 * Dedicated machines scoped by role, as Aurora's: a dedicated value {@code role/name} reserves hosts
 * for that role's jobs, {@code *}{@code /name} for any role's; a value without a {@code /} is not
 * scoped. A job asking for another role's dedicated hosts is refused when it is created, grown,
 * updated or its cron template replaced, naming every such value.
 */
public final class DedicatedRoles implements CoreListener {

  /** Refuses {@code job} if it asks for hosts dedicated to another role. */
  public static void check(JobConfig job) {
    List<String> problems = problems(job);
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
  }

  /** What in {@code job} asks for another role's dedicated hosts; empty if nothing does. */
  public static List<String> problems(JobConfig job) {
    List<String> problems = new ArrayList<>();
    String role = job.key().role();
    List<Constraint> cs = job.task().constraints();
    for (int i = 0; i < cs.size(); i++) {
      Constraint c = cs.get(i);
      if (!c.isDedicated()) {
        continue;
      }
      for (String value : c.values()) {
        int slash = value.indexOf('/');
        if (slash < 0) {
          continue;
        }
        String owner = value.substring(0, slash);
        if (!owner.equals("*") && !owner.equals(role)) {
          problems.add("task.constraints[" + i + "]: hosts dedicated \"" + value + "\" are reserved for role "
              + owner + "; a job of role " + role + " may ask only for \"" + role + "/...\" or \"*/...\"");
        }
      }
    }
    return problems;
  }

  @Override
  public void admitJobChange(JobConfig current, JobConfig proposed) {
    check(proposed);
  }
}
