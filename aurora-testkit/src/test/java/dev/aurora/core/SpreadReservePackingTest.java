package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.testkit.AuroraExtension;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Jobs created one at a time (each placed before the next comes): once a job that must spread (a limit
 * per host) has been seen, jobs that may stack keep room for one of its tasks on the agents in use while
 * an agent with more room is free, so a later job that must spread fits on the agents in use instead of
 * opening one fresh agent per task. Room is kept only for a task of at most 1/32 of an agent.
 */
class SpreadReservePackingTest {
  /** Eight agents of 32 cpus and 64 GiB. */
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(8).cluster(c -> c.resources(32, 65_536, 100_000, 0));

  private static JobConfig job(String key, int instances, double cpus, Constraint... constraints) {
    var b = Job.service(key).instances(instances).task(t -> t.process("p", "./run").cpus(cpus).ramMb(256));
    for (Constraint c : constraints) {
      b.constraint(c);
    }
    return b.build();
  }

  private Set<String> hostsOf(List<JobConfig> jobs) {
    Set<String> hosts = new HashSet<>();
    for (JobConfig j : jobs) {
      aurora.running(j.key()).forEach(t -> hosts.add(t.host().orElseThrow()));
    }
    return hosts;
  }

  @Test
  void aJobThatMustSpreadCreatedLastFitsOnTheAgentsInUse() {
    // one task of 1 cpu per host on two agents; then two tasks of 31 cpus. Best fit alone fills both
    // agents to the last cpu, and the last job's four 1-cpu tasks, one per host, open four fresh agents:
    // 6 agents. Keeping a cpu free on the agents in use: the 31-cpu tasks go to two fresh agents (one
    // cpu left on each), and the last job fits on the four agents in use.
    JobConfig first = job("web/prod/spread-first", 2, 1, Constraint.limit("host", 1));
    JobConfig stacks = job("web/prod/stacks", 2, 31);
    JobConfig last = job("web/prod/spread-last", 4, 1, Constraint.limit("host", 1));
    for (JobConfig j : List.of(first, stacks, last)) {
      aurora.scheduler().createJob(j, TEST_PRINCIPAL);
      aurora.advance(Duration.ofSeconds(5));
    }

    assertThat(aurora.running(first.key())).hasSize(2);
    assertThat(aurora.running(stacks.key())).hasSize(2);
    assertThat(aurora.running(last.key())).hasSize(4);
    assertThat(hostsOf(List.of(first, stacks, last))).hasSize(4);
  }

  @Test
  void withoutAJobThatMustSpreadBestFitStillFillsAgentsToTheLastCpu() {
    // no job limited per host: nothing is kept, tasks stack on the fullest agent as before
    JobConfig ones = job("web/prod/ones", 2, 1);
    JobConfig two = job("web/prod/two", 1, 30);
    for (JobConfig j : List.of(ones, two)) {
      aurora.scheduler().createJob(j, TEST_PRINCIPAL);
      aurora.advance(Duration.ofSeconds(5));
    }

    assertThat(aurora.running(ones.key())).hasSize(2);
    assertThat(aurora.running(two.key())).hasSize(1);
    assertThat(hostsOf(List.of(ones, two))).hasSize(1);
  }

  @Test
  void whenOnlyTheReserveIsLeftJobsThatMayStackStillUseIt() {
    // four agents' worth: after the spread job, the only room is within what is kept, and it is used
    aurora.cluster().loseAgent("agent-4");
    aurora.cluster().loseAgent("agent-5");
    aurora.cluster().loseAgent("agent-6");
    aurora.cluster().loseAgent("agent-7");
    JobConfig spread = job("web/prod/spread", 4, 1, Constraint.limit("host", 1));
    JobConfig stacks = job("web/prod/stacks", 4, 31);
    for (JobConfig j : List.of(spread, stacks)) {
      aurora.scheduler().createJob(j, TEST_PRINCIPAL);
      aurora.advance(Duration.ofSeconds(5));
    }

    assertThat(aurora.running(spread.key())).hasSize(4);
    assertThat(aurora.running(stacks.key())).hasSize(4);
  }

  @Test
  void noRoomIsKeptForTasksTooLargeToBeWorthIt() {
    // a job limited per host with tasks of half an agent: keeping that much free on every agent in use
    // would spread everything else; best fit fills the two agents as if it had not been seen
    JobConfig spread = job("web/prod/spread-large", 2, 16, Constraint.limit("host", 1));
    JobConfig stacks = job("web/prod/stacks", 2, 16);
    for (JobConfig j : List.of(spread, stacks)) {
      aurora.scheduler().createJob(j, TEST_PRINCIPAL);
      aurora.advance(Duration.ofSeconds(5));
    }

    assertThat(aurora.running(spread.key())).hasSize(2);
    assertThat(aurora.running(stacks.key())).hasSize(2);
    assertThat(hostsOf(List.of(spread, stacks))).hasSize(2);
  }
}
