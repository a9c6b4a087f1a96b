package dev.aurora.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A scheduler under a leader election answers every operation the plain scheduler implements (job
 * SLA figures, utilization, task output, clearing a crash loop...) as the elected scheduler would,
 * not with the {@link Scheduler} interface's default: each method the scheduler implements itself is
 * forwarded by the election's wrapper too.
 */
class ElectedSchedulerForwardsEverythingTest {

  @Test
  void everyOperationTheSchedulerImplementsIsForwardedUnderALeaderElection() throws Exception {
    Class<?> plain = Class.forName("dev.aurora.core.internal.SchedulerImpl");
    Class<?> elected = Class.forName("dev.aurora.core.internal.election.ElectedScheduler");

    List<String> notForwarded = Arrays.stream(Scheduler.class.getMethods())
        .filter(m -> !Modifier.isStatic(m.getModifiers()))
        .filter(m -> declares(plain, m) && !declares(elected, m))
        .map(m -> m.getName() + Arrays.toString(m.getParameterTypes()))
        .toList();

    assertThat(notForwarded).isEmpty();
  }

  private static boolean declares(Class<?> c, Method m) {
    try {
      c.getDeclaredMethod(m.getName(), m.getParameterTypes());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }
}
