package dev.aurora.core.internal;

import java.util.List;

/**
 * Loads and initializes, when a scheduler starts, the classes its first job creation and first
 * placement pass would otherwise load in the middle of the call: in a fresh JVM the first {@code
 * createJobs} loaded these (found with {@code -Xlog:class+load} around the call, W1 on the production
 * loop; see docs/performance.md, "W1 from a cold JVM (wave 13)"). Loading a class is the same work
 * whenever it is done; done at start it is off the first call's clock and off the state loop. Classes
 * only spun when first run (lambdas, string concatenations) are not covered.
 */
final class ClassPreload {
  /** The classes, by name (some are private nested classes); a test checks every one still exists. */
  static final List<String> NAMES = List.of(
      // the create path: admission, validation, task building, the ops and events it stores
      "dev.aurora.api.SlaPolicy",
      "dev.aurora.api.ImmutableSlaPolicy",
      "dev.aurora.api.ImmutableTaskId",
      "dev.aurora.core.AuditEntry",
      "dev.aurora.core.Op$SaveAuditEntry",
      "dev.aurora.core.Op$SaveJob",
      "dev.aurora.core.Op$CreateTasks",
      "dev.aurora.core.SchedulerEvent$JobCreated",
      "dev.aurora.core.internal.lifecycle.TaskLifecycle$TaskIds",
      "dev.aurora.core.internal.tx.Transactions$Creation",
      "dev.aurora.core.internal.pass.PlacementCoordinator$GroupKey",
      // the first placement pass: the engine's rules and counts, assignment, launches
      "dev.aurora.core.internal.placement.IntCounts",
      "dev.aurora.core.internal.placement.GroupRules",
      "dev.aurora.core.internal.placement.ConstraintRule",
      "dev.aurora.core.ScheduledTask$History",
      "dev.aurora.core.Op$AssignTask",
      "dev.aurora.core.TaskLaunch",
      "dev.aurora.core.ImmutableTaskLaunch",
      "dev.aurora.core.internal.launch.LaunchTemplate",
      "dev.aurora.core.internal.launch.LaunchTemplate$ProcessTemplate",
      "dev.aurora.core.internal.launch.LaunchTemplate$Text",
      "dev.aurora.core.internal.launch.TemplateLaunch",
      "dev.aurora.core.internal.launch.LaunchFactory",
      "dev.aurora.api.TaskVariables",
      "dev.aurora.api.TaskVariables$Candidate",
      "dev.aurora.api.InstanceKey",
      "dev.aurora.api.ImmutableInstanceKey",
      // the launches handed to a backend through the offer book
      "dev.aurora.core.OfferBook$Launch",
      "dev.aurora.core.OfferBook$Allocation");

  private static volatile boolean done;

  private ClassPreload() {}

  /** Loads and initializes {@link #NAMES} (once per JVM; a name not found is skipped); how many were. */
  static int run() {
    if (done) {
      return 0;
    }
    ClassLoader loader = ClassPreload.class.getClassLoader();
    int loaded = 0;
    for (String name : NAMES) {
      try {
        Class.forName(name, true, loader);
        loaded++;
      } catch (ClassNotFoundException | LinkageError e) {
        // only speed depends on it: the class is loaded when first used instead
      }
    }
    done = true;
    return loaded;
  }
}
