package dev.aurora.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.TaskConfig;
import dev.aurora.core.ClusterBackend;
import dev.aurora.core.ForwardingClusterBackend;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Wrappers of a backend (the testkit's failover and fault wrappers, a user's) answer as the backend
 * they wrap, the interface's default methods included.
 */
class ForwardingClusterBackendTest {

  @Test
  void everyMethodOfTheBackendInterfaceIsForwarded() throws Exception {
    List<String> missing = Arrays.stream(ClusterBackend.class.getMethods())
        .filter(m -> !Modifier.isStatic(m.getModifiers()))
        .filter(m -> !declares(m))
        .map(Method::getName).toList();

    assertThat(missing).as("ClusterBackend methods ForwardingClusterBackend does not forward").isEmpty();
  }

  private static boolean declares(Method m) {
    try {
      ForwardingClusterBackend.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  @Test
  void aFailoverWrapperRefusesWhatTheWrappedClusterCannotRun() {
    SimulatedCluster cluster = SimulatedCluster.builder(new ManualStateLoop(FakeClock.startingAtEpoch2026()))
        .agents(1).containers(false).build();
    TaskConfig inContainer = Job.service("www-data/prod/boxed").instances(1)
        .task(t -> t.process("p", "./p").container("busybox").cpus(0.1).ramMb(16)).build().task();

    ClusterBackend wrapped = Failover.keepRunning(cluster);

    assertThat(wrapped.cannotRun(inContainer)).isPresent().isEqualTo(cluster.cannotRun(inContainer));
  }
}
