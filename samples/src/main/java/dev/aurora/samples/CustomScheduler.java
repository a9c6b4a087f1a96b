package dev.aurora.samples;

import dev.aurora.api.Constraint;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.core.AgentView;
import dev.aurora.core.PlacementFilter;
import dev.aurora.core.PlacementScorer;
import dev.aurora.core.PlacementTask;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.TaskQuery;
import dev.aurora.core.Veto;
import dev.aurora.local.LocalBackend;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

/**
 * A platform team's own scheduler: the core with two rules of theirs plugged in next to the built-in
 * ones. Agents 0 and 1 are "spot" hosts; agents 1 and 3 have the image cached ("warm"). A filter keeps
 * jobs marked {@code gpu} off spot hosts, and a scorer prefers warm hosts. Runs on the local backend
 * with {@code sleep} tasks and prints where everything landed, and why one instance waits.
 */
public final class CustomScheduler {
  private CustomScheduler() {}

  /** Keeps jobs that declare {@code metadata gpu=true} off hosts with {@code spot=true}. */
  static final class NoGpuJobsOnSpotHosts implements PlacementFilter {
    private static final Veto SPOT = Veto.of("gpu job on spot host");

    @Override
    public Veto filter(PlacementTask task, AgentView agent) {
      boolean gpu = "true".equals(task.config().metadata().get("gpu"));
      return gpu && agent.attribute("spot", "false").equals("true") ? SPOT : Veto.none();
    }

    /** The verdict reads only the task's config and the agent's attributes: passes may reuse it. */
    @Override
    public Kind kind() {
      return Kind.STATIC;
    }
  }

  /** Prefers hosts that have the job's image cached ({@code warm=true}). */
  static final class PreferWarmHosts implements PlacementScorer {
    @Override
    public double score(PlacementTask task, AgentView agent) {
      return agent.attribute("warm", "false").equals("true") ? 1.0 : 0.0;
    }
  }

  /** Runs the sample. */
  public static void main(String[] args) throws Exception {
    LocalBackend backend = LocalBackend.builder().agents(4).cpusPerAgent(2).ramMbPerAgent(512)
        .attribute(0, "spot", "true").attribute(1, "spot", "true")
        .attribute(1, "warm", "true").attribute(3, "warm", "true")
        .sandboxRoot(Files.createTempDirectory("aurora-custom-"))
        .killGracePeriod(Duration.ofSeconds(1))
        .build();
    try (Scheduler scheduler = Scheduler.builder()
        .backend(backend)
        .placement(p -> p.addFilter(new NoGpuJobsOnSpotHosts()).addScorer(new PreferWarmHosts(), 2.0))
        .build()) {
      scheduler.start();
      Principal team = Principal.of("ml-platform");

      JobConfig training = Job.service("ml/prod/training").instances(3)
          .task(t -> t.process("train", "sleep 600").cpus(0.5).ramMb(64).metadata("gpu", "true"))
          .constraint(Constraint.limit("host", 1))
          .build();
      JobConfig web = Job.service("web/prod/frontend").instances(2)
          .task(t -> t.process("serve", "sleep 600").cpus(0.5).ramMb(64))
          .constraint(Constraint.limit("host", 1))
          .build();
      scheduler.createJob(training, team);
      scheduler.createJob(web, team);

      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (running(scheduler, training) + running(scheduler, web) < 4 && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      for (JobConfig job : List.of(training, web)) {
        System.out.println(job.key() + ":");
        for (ScheduledTask t : scheduler.tasks(TaskQuery.job(job.key()).active())) {
          System.out.println("  instance " + t.instance() + " " + t.status() + t.host().map(h -> " on " + h).orElse(""));
        }
      }
      System.out.println("gpu jobs avoid spot hosts local-0 and local-1; the web job prefers warm hosts local-1 and local-3.");
      System.out.println("why a training instance waits: " + scheduler.whyPending(training.key()));
    }
    System.out.println("stopped; every process is gone.");
  }

  private static int running(Scheduler scheduler, JobConfig job) {
    return scheduler.tasks(TaskQuery.job(job.key()).states(ScheduleStatus.RUNNING)).size();
  }
}
