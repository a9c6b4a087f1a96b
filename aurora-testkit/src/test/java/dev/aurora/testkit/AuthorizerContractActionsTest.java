package dev.aurora.testkit;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.AuroraException;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.api.ResourceQuota;
import dev.aurora.core.ActingScheduler;
import dev.aurora.core.Authorizer;
import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.Scheduler;
import dev.aurora.core.UpdateId;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The contract's action lists are the questions the scheduler really asks: every {@link Scheduler}
 * method that takes a {@link Principal}, each on the authorizer method the lists say.
 */
class AuthorizerContractActionsTest {
  /** Action to "role" or "cluster", by the method it was asked on. */
  private final Map<String, Set<String>> asked = new TreeMap<>();

  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(2).scheduler(b -> b.authorizer(new Authorizer() {
    @Override
    public boolean mayActOnRole(Principal principal, String action, String role) {
      asked.computeIfAbsent(action, a -> new TreeSet<>()).add("role");
      return true;
    }

    @Override
    public boolean mayActOnCluster(Principal principal, String action) {
      asked.computeIfAbsent(action, a -> new TreeSet<>()).add("cluster");
      return true;
    }
  }));

  @Test
  void theActionsAreTheSchedulersMethodsThatTakeAPrincipal() {
    Set<String> methods = new TreeSet<>();
    for (Method m : Scheduler.class.getMethods()) {
      if (m.getReturnType() == ActingScheduler.class) {
        continue; // scheduler.as(principal) makes a view and asks nothing; its operations are the actions
      }
      if (Arrays.asList(m.getParameterTypes()).contains(Principal.class)) {
        methods.add(m.getName());
      }
    }
    Set<String> actions = new TreeSet<>(AuthorizerContract.ROLE_ACTIONS);
    actions.addAll(AuthorizerContract.CLUSTER_ACTIONS);
    assertThat(actions).isEqualTo(methods);
  }

  @Test
  void eachActionIsAskedOnTheMethodTheContractSays() {
    Scheduler s = aurora.scheduler();
    JobConfig web = Job.service("www-data/prod/web").instances(2)
        .task(t -> t.process("p", "./run").cpus(1).ramMb(256)).build();
    JobConfig v2 = Job.service("www-data/prod/web").instances(2)
        .task(t -> t.process("p", "./run --v2").cpus(1).ramMb(256)).build();
    JobConfig nightly = Job.cron("www-data/prod/nightly", "0 3 * * *")
        .task(t -> t.process("p", "./report").cpus(0.5).ramMb(64)).build();
    s.createJob(web, TEST_PRINCIPAL);
    s.createJob(nightly, TEST_PRINCIPAL);
    UpdateId update = s.startUpdate(web.key(), v2, TEST_PRINCIPAL, "v2");
    // only the question matters: a call the scheduler then refuses has been asked about all the same
    Runnable[] calls = {
        () -> s.createJobs(List.of(Job.service("www-data/prod/batch").instances(1)
            .task(t -> t.process("p", "./run").cpus(0.1).ramMb(16)).build()), TEST_PRINCIPAL),
        () -> s.pauseUpdate(web.key(), TEST_PRINCIPAL),
        () -> s.resumeUpdate(web.key(), TEST_PRINCIPAL),
        () -> s.pulseUpdate(update, TEST_PRINCIPAL),
        () -> s.rollbackUpdate(web.key(), TEST_PRINCIPAL),
        () -> s.abortUpdate(web.key(), TEST_PRINCIPAL),
        () -> s.pauseUpdate(update, TEST_PRINCIPAL), // the forms by UpdateId ask the same questions
        () -> s.resumeUpdate(update, TEST_PRINCIPAL),
        () -> s.rollbackUpdate(update, TEST_PRINCIPAL),
        () -> s.abortUpdate(update, TEST_PRINCIPAL),
        () -> s.addInstances(web.key(), 1, TEST_PRINCIPAL),
        () -> s.restartInstances(web.key(), Set.of(0), TEST_PRINCIPAL),
        () -> s.clearCrashLoop(web.key(), TEST_PRINCIPAL),
        () -> s.killInstances(web.key(), Set.of(2), TEST_PRINCIPAL),
        () -> s.startCronJob(nightly.key(), TEST_PRINCIPAL),
        () -> s.replaceCronTemplate(nightly, TEST_PRINCIPAL),
        () -> s.killJob(web.key(), TEST_PRINCIPAL),
        () -> s.setQuota("www-data", ResourceQuota.of(100, 100_000, 100_000, 0), TEST_PRINCIPAL),
        () -> s.removeQuota("www-data", TEST_PRINCIPAL),
        () -> s.setMaintenance(Set.of("host-1"), MaintenanceMode.SCHEDULED, TEST_PRINCIPAL),
    };
    for (Runnable call : calls) {
      try {
        call.run();
      } catch (AuroraException refusedAfterAsking) {
        // e.g. an update that is not paused cannot be resumed
      }
    }

    Map<String, Set<String>> expected = new TreeMap<>();
    AuthorizerContract.ROLE_ACTIONS.forEach(a -> expected.put(a, Set.of("role")));
    AuthorizerContract.CLUSTER_ACTIONS.forEach(a -> expected.put(a, Set.of("cluster")));
    assertThat(asked).isEqualTo(expected);
  }
}
