package dev.aurora.samples;

import static java.util.concurrent.TimeUnit.SECONDS;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.api.ProcessConfig;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.TaskQuery;
import dev.aurora.local.LocalBackend;
import dev.aurora.runner.ProcessReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A task as a process graph on real processes: {@code fetch -> build -> serve} in order, a heartbeat
 * running beside them that does not hold the task's end, and a finalizer that runs when the task ends
 * (and, in the second part, when it is killed). Prints each process's state, exit code and times, and
 * what the processes wrote.
 *
 * <pre>mvn -o -q -pl samples -am compile exec:java -Dsample=dev.aurora.samples.ProcessGraphSample</pre>
 */
public final class ProcessGraphSample {
  private static final Principal USER = Principal.of("sample");

  private ProcessGraphSample() {}

  /** Runs the sample. */
  public static void main(String[] args) throws Exception {
    Path sandboxes = Files.createTempDirectory("aurora-graph-");
    LocalBackend backend = LocalBackend.builder().agents(1).cpusPerAgent(2).ramMbPerAgent(512).diskMbPerAgent(512)
        .sandboxRoot(sandboxes).killGracePeriod(Duration.ofSeconds(2)).build();
    try (Scheduler scheduler = Scheduler.builder().backend(backend).build()) {
      scheduler.start();

      // 1. A pipeline: an ordered graph with an ephemeral heartbeat and a finalizer; it ends by itself.
      JobConfig pipeline = Job.adhoc("www-data/prod/pipeline")
          .task(t -> t
              .process("serve", "echo serving build $(cat build.txt); sleep 1; echo served >> log")
              .process("fetch", "echo fetched > fetch.txt; echo fetched >> log")
              .process("build", "echo built from $(cat fetch.txt) > build.txt; echo built >> log")
              .process(ProcessConfig.ephemeral("heartbeat", "while true; do date +%T >> heartbeat; sleep 0.2; done"))
              .finalizer("cleanup", "echo cleaned up after $(wc -l < heartbeat) heartbeats >> log")
              .order("fetch", "build", "serve")
              .cpus(0.2).ramMb(64))
          .build();
      System.out.println("1. " + pipeline.key() + ": fetch -> build -> serve, a heartbeat beside them, a finalizer");
      scheduler.createJob(pipeline, USER);
      scheduler.whenFinished(pipeline.key()).get(60, SECONDS);
      show(scheduler, backend, pipeline);

      // 2. A server killed by the operator: SIGTERM, then its finalizer still runs.
      JobConfig server = Job.service("www-data/prod/server")
          .task(t -> t
              .process("server", "echo up >> log; exec sleep 600")
              .finalizer("drain", "echo drained after the kill >> log")
              .killGracePeriod(Duration.ofSeconds(1))
              .cpus(0.2).ramMb(64))
          .build();
      System.out.println("\n2. " + server.key() + ": a server killed by the operator; its finalizer runs");
      scheduler.createJob(server, USER);
      scheduler.whenHealthy(server.key(), 1).get(60, SECONDS);
      ScheduledTask running = scheduler.tasks(TaskQuery.job(server.key()).states(ScheduleStatus.RUNNING)).get(0);
      var ended = scheduler.whenTaskEnds(running.id());
      scheduler.killJob(server.key(), USER);
      ended.get(60, SECONDS);
      show(scheduler, backend, server);
    }
  }

  private static void show(Scheduler scheduler, LocalBackend backend, JobConfig job) throws Exception {
    for (ScheduledTask t : scheduler.tasks(TaskQuery.job(job.key()))) {
      ScheduledTask now = scheduler.task(t.id()).orElse(t);
      System.out.println("   task " + t.id() + " ended " + now.status() + ": " + now.lastMessage());
      for (ProcessReport r : backend.processes(t.id())) {
        System.out.printf("   %-10s %-8s run %d, exit %s, %s .. %s%n", r.process(), r.state(), r.run(),
            r.exitCode().isPresent() ? Integer.toString(r.exitCode().getAsInt()) : "-",
            r.startedAt().map(Object::toString).orElse("-"), r.endedAt().map(Object::toString).orElse("-"));
      }
      Path log = backend.sandbox(t.id()).orElseThrow().resolve("log");
      System.out.println("   its log:\n     " + Files.readString(log).strip().replace("\n", "\n     "));
    }
  }
}
