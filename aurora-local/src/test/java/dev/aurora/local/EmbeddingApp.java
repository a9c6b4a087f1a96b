package dev.aurora.local;

import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.Scheduler;
import dev.aurora.core.TaskQuery;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A JVM embedding a scheduler on a local backend with {@code keepTasksOnClose}: state in {@code
 * args[0]}, sandboxes in {@code args[1]}. It runs {@link SchedulerRestartTest#service()}, prints
 * {@code READY} once every instance is RUNNING and healthy, and waits to be killed.
 */
public final class EmbeddingApp {
  private EmbeddingApp() {}

  public static void main(String[] args) throws Exception {
    Scheduler scheduler = SchedulerRestartTest.scheduler(Path.of(args[0]), Path.of(args[1]), true);
    scheduler.start();
    JobConfig job = SchedulerRestartTest.service();
    scheduler.createJob(job, Principal.of("test"));
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (scheduler.tasks(TaskQuery.job(job.key())).stream()
        .filter(t -> t.status() == ScheduleStatus.RUNNING && t.healthy().orElse(false)).count() < job.instances()) {
      if (System.nanoTime() > deadline) {
        System.exit(2);
      }
      Thread.sleep(10);
    }
    System.out.println("READY");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
