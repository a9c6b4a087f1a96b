package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A user filter declares what its verdict depends on ({@link PlacementFilter.Kind}); a declared one
 * keeps the scheduler's record of stuck groups (skipped until something that could place them changes),
 * an undeclared one makes every pass judge them again. Observed through the veto counters: a pass that
 * judges a stuck group counts its vetoes again.
 */
class DeclaredFilterKindTest {
  /** Never vetoes. */
  static final PlacementFilter PERMISSIVE = (task, agent) -> Veto.none();

  @RegisterExtension
  AuroraExtension declaredStatic = AuroraExtension.withAgents(4).attributes(i -> Map.of("zone", "z" + (i % 2)))
      .scheduler(b -> b.placement(p -> p.addFilter(PlacementFilter.ofStatic(PERMISSIVE))));

  @RegisterExtension
  AuroraExtension undeclared = AuroraExtension.withAgents(4).attributes(i -> Map.of("zone", "z" + (i % 2)))
      .scheduler(b -> b.placement(p -> p.addFilter(PERMISSIVE)));

  /** Can never be placed: its zone is none of the cluster's (a constraint that narrows nothing). */
  static final JobConfig STUCK = Job.service("web/prod/stuck").instances(2)
      .task(t -> t.process("p", "./run").cpus(1).ramMb(256))
      .constraint(Constraint.notValue("zone", "z0", "z1")).build();

  static JobConfig small(String name) {
    return Job.service("web/prod/" + name).instances(1).task(t -> t.process("p", "./run").cpus(1).ramMb(256)).build();
  }

  private static double vetoes(AuroraExtension aurora, String reasonPrefix) {
    return aurora.registry().find("aurora.placement.vetoes").counters().stream()
        .filter(c -> c.getId().getTag("reason").startsWith(reasonPrefix))
        .mapToDouble(Counter::count).sum();
  }

  /**
   * Stucks {@code stuck}, then runs three more passes for other jobs; the vetoes starting with {@code
   * reasonPrefix} counted since.
   */
  private static double vetoesOfLaterPasses(AuroraExtension aurora, JobConfig stuck, String reasonPrefix) {
    aurora.scheduler().createJob(stuck, TEST_PRINCIPAL);
    aurora.advance(Duration.ofSeconds(5));
    assertThat(aurora.pending(stuck.key())).hasSize(stuck.instances());
    double before = vetoes(aurora, reasonPrefix);
    assertThat(before).isPositive();
    for (String name : new String[] {"a", "b", "c"}) {
      aurora.scheduler().createJob(small(name), TEST_PRINCIPAL);
      aurora.advance(Duration.ofSeconds(5));
      assertThat(aurora.running(small(name).key())).hasSize(1);
    }
    assertThat(aurora.pending(stuck.key())).hasSize(stuck.instances());
    return vetoes(aurora, reasonPrefix) - before;
  }

  private static double vetoesOfLaterPasses(AuroraExtension aurora) {
    return vetoesOfLaterPasses(aurora, STUCK, "constraint");
  }

  @Test
  void aGroupDedicatedToNoAgentIsNotJudgedAgainBehindAUserFilterDeclaredStatic() {
    JobConfig dedicated = Job.service("web/prod/db").instances(1)
        .task(t -> t.process("p", "./run").cpus(1).ramMb(256))
        .constraint(Constraint.dedicated("web/db")).build();
    assertThat(vetoesOfLaterPasses(declaredStatic, dedicated, "not dedicated")).isZero();
  }

  /** Refuses the job {@code refused} everywhere: static, it reads the job only. */
  static final Veto REFUSED = Veto.of("refused by policy");

  @RegisterExtension
  AuroraExtension refusing = AuroraExtension.withAgents(4)
      .scheduler(b -> b.placement(p -> p.addFilter(PlacementFilter.ofStatic(
          (task, agent) -> task.job().name().equals("refused") ? REFUSED : Veto.none()))));

  @Test
  void aGroupAStaticUserFilterRefusesIsNotJudgedAgain() {
    assertThat(vetoesOfLaterPasses(refusing, small("refused"), "refused by policy")).isZero();
  }

  @Test
  void aStuckGroupIsNotJudgedAgainBehindAUserFilterDeclaredStatic() {
    assertThat(vetoesOfLaterPasses(declaredStatic)).isZero();
  }

  @Test
  void aStuckGroupIsJudgedOnEveryPassBehindAnUndeclaredUserFilter() {
    assertThat(vetoesOfLaterPasses(undeclared)).isPositive();
  }

  /** Refuses every host but host-3 (a rule on the hostname alone: static). */
  static final PlacementFilter ONLY_HOST_3 = PlacementFilter.ofStatic(new PlacementFilter() {
    final Veto notHost3 = Veto.of("not host-3");

    @Override
    public Veto filter(PlacementTask task, AgentView agent) {
      return task.job().name().equals("pinned") && !agent.hostname().equals("host-3") ? notHost3 : Veto.none();
    }
  });

  @RegisterExtension
  AuroraExtension onlyHost3 = AuroraExtension.withAgents(4)
      .scheduler(b -> b.placement(p -> p.addFilter(ONLY_HOST_3)));

  @Test
  void aGroupHeldBackByAStaticUserFiltersVetoIsPlacedWhenAnAgentItAcceptsFreesRoom() {
    JobConfig filler = Job.service("batch/prod/filler").instances(4)
        .task(t -> t.process("p", "./run").cpus(8).ramMb(256)).build();
    onlyHost3.scheduler().createJob(filler, TEST_PRINCIPAL);
    onlyHost3.advance(Duration.ofSeconds(5));
    JobConfig pinned = small("pinned");
    onlyHost3.scheduler().createJob(pinned, TEST_PRINCIPAL);
    onlyHost3.advance(Duration.ofSeconds(5));
    assertThat(onlyHost3.pending(pinned.key())).hasSize(1);
    // more passes while nothing changes for it
    onlyHost3.scheduler().createJob(small("other"), TEST_PRINCIPAL);
    onlyHost3.advance(Duration.ofSeconds(5));
    assertThat(onlyHost3.pending(pinned.key())).hasSize(1);

    ScheduledTask onHost3 = onlyHost3.running(filler.key()).stream()
        .filter(t -> t.host().orElseThrow().equals("host-3")).findFirst().orElseThrow();
    onlyHost3.scheduler().killInstances(filler.key(), Set.of(onHost3.instance()), TEST_PRINCIPAL);
    onlyHost3.advance(Duration.ofMinutes(1));
    assertThat(onlyHost3.running(pinned.key())).singleElement()
        .satisfies(t -> assertThat(t.host()).contains("host-3"));
  }
}
