package dev.aurora.core.internal;

/**
 * Test-only switches that put back bugs the project fixed, so that aurora-testkit's {@code Simulation}
 * can show it catches them (a checker that is itself checked). Every switch is off unless the system
 * property {@code aurora.mutation} names it; nothing but the testkit's own tests sets it, and a
 * production scheduler must never run with it set.
 *
 * <ul>
 *   <li>{@code instance-changes-during-update}: {@code addInstances} and {@code killInstances} are
 *       accepted while a rolling update is active (issue 12: the update then undoes them);
 *   <li>{@code health-change-unseen}: a health change is handed to the controllers as
 *       after-and-after, so an update never sees healthy turn unhealthy (issue 12).
 *   <li>{@code deposed-leader-keeps-acting}: a scheduler under a leader election ignores being
 *       deposed, so its term goes on scheduling and writing to the shared storage after another
 *       scheduler was elected (issue 19: the split brain leader fencing prevents).
 * </ul>
 */
public final class Mutations {
  /** The system property naming the one mutation switched on. */
  public static final String PROPERTY = "aurora.mutation";

  private Mutations() {}

  /** Whether the mutation {@code name} is switched on. */
  public static boolean on(String name) {
    return name.equals(System.getProperty(PROPERTY));
  }
}
