package dev.aurora.core;

import static dev.aurora.testkit.AuroraExtension.TEST_PRINCIPAL;
import static org.assertj.core.api.Assertions.assertThat;

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
 * Jobs created one at a time (each placed before the next comes) with the default scoring: once tasks that
 * need much cpu and little ram have been seen, bin-pack does not fill an agent's ram while it still has
 * cpus free that the little ram left could not go with, so the cpus are not stranded and a later
 * cpu-heavy job fits on the agents in use.
 */
class StrandedCpuPackingTest {
  /** Four agents of 4 cpus and 16 GiB. */
  @RegisterExtension
  AuroraExtension aurora = AuroraExtension.withAgents(4).cluster(c -> c.resources(4, 16_384, 100_000, 0));

  private static JobConfig job(String key, double cpus, long ramMb) {
    return Job.service(key).instances(1).task(t -> t.process("p", "./run").cpus(cpus).ramMb(ramMb)).build();
  }

  private Set<String> hostsOf(List<JobConfig> jobs) {
    Set<String> hosts = new HashSet<>();
    for (JobConfig j : jobs) {
      aurora.running(j.key()).forEach(t -> hosts.add(t.host().orElseThrow()));
    }
    return hosts;
  }

  private void createOneAtATime(List<JobConfig> jobs) {
    for (JobConfig j : jobs) {
      aurora.scheduler().createJob(j, TEST_PRINCIPAL);
      aurora.advance(Duration.ofSeconds(5));
    }
  }

  @Test
  void jobsCreatedOneAtATimeDoNotStrandCpusBehindFullRam() {
    // A job of one 4-cpu task with little ram takes all the cpus of an agent (and shows that tasks which
    // could use cpus beside little ram exist). Then, on the other agents: best fit alone puts the small
    // task on the agent with 14 GiB taken (the fullest): 3 cpus are left there with 512 MiB, which no
    // later task can use, and the two 3-cpu tasks open an agent each: 4 agents. Keeping ram for the cpus
    // left, the small task opens an agent, and the 3-cpu tasks fill the agent with 14 GiB taken (3.5 cpus
    // and 2 GiB left) and the small task's (3.5 cpus and 14.5 GiB left): 3 agents.
    JobConfig cpuOnly = job("web/prod/cpu-only", 4, 256);
    JobConfig ramHeavy = job("web/prod/ram-heavy", 0.5, 14_336);
    JobConfig small = job("web/prod/small", 0.5, 1_536);
    JobConfig cpuHeavy = job("web/prod/cpu-heavy", 3, 1_024);
    JobConfig bothHeavy = job("web/prod/both-heavy", 3, 12_288);
    List<JobConfig> jobs = List.of(cpuOnly, ramHeavy, small, cpuHeavy, bothHeavy);
    createOneAtATime(jobs);

    for (JobConfig j : jobs) {
      assertThat(aurora.running(j.key())).as(j.key().toString()).hasSize(1);
    }
    assertThat(hostsOf(jobs)).hasSize(3);
  }

  @Test
  void whenEveryAgentWouldStrandCpusTheFullestStillTakesTheTask() {
    // one agent only: the small task strands cpus there, but nothing else fits it, so it is placed
    aurora.cluster().loseAgent("agent-1");
    aurora.cluster().loseAgent("agent-2");
    aurora.cluster().loseAgent("agent-3");
    JobConfig cpuHeavy = job("web/prod/cpu-heavy", 1, 256);
    JobConfig ramHeavy = job("web/prod/ram-heavy", 0.5, 14_336);
    JobConfig small = job("web/prod/small", 0.5, 1_536);
    createOneAtATime(List.of(cpuHeavy, ramHeavy, small));

    assertThat(aurora.running(cpuHeavy.key())).hasSize(1);
    assertThat(aurora.running(ramHeavy.key())).hasSize(1);
    assertThat(aurora.running(small.key())).hasSize(1);
  }

  @Test
  void tasksThatLeaveRamForTheCpusLeftStillStackOnTheFullestAgent() {
    // best fit as before when no cpus would be stranded: everything on one agent
    JobConfig a = job("web/prod/a", 1, 256);
    JobConfig b = job("web/prod/b", 1, 4_096);
    JobConfig c = job("web/prod/c", 1, 8_192);
    createOneAtATime(List.of(a, b, c));

    assertThat(hostsOf(List.of(a, b, c))).hasSize(1);
  }

  @Test
  void withOnlyRamHeavyTasksBestFitStillFillsAgentsToTheLastGibibyte() {
    // no task could use cpus beside little ram: nothing is kept, and two tasks of 1 cpu and 8 GiB share
    // one agent although they leave 2 cpus there with no ram
    JobConfig ramHeavy = Job.service("web/prod/ram-heavy").instances(2)
        .task(t -> t.process("p", "./run").cpus(1).ramMb(8_192)).build();
    createOneAtATime(List.of(ramHeavy));

    assertThat(aurora.running(ramHeavy.key())).hasSize(2);
    assertThat(hostsOf(List.of(ramHeavy))).hasSize(1);
  }
}
