package dev.aurora.samples;

import static java.util.concurrent.TimeUnit.SECONDS;

import dev.aurora.api.Constraint;
import dev.aurora.api.HealthCheck;
import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.JobTemplate;
import dev.aurora.api.Principal;
import dev.aurora.api.UpdateSettings;
import dev.aurora.core.ActingScheduler;
import dev.aurora.core.Op;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.Storage;
import dev.aurora.core.TaskQuery;
import dev.aurora.core.UpdateDetails;
import dev.aurora.core.UpdateId;
import dev.aurora.http.OperatorServer;
import dev.aurora.local.LocalBackend;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The quick start: an embedded scheduler on the local backend (4 virtual agents on this machine), with
 * its state in a durable file log, runs a real service of 5 instances, a cron job and a one-off job; an
 * instance's process is killed and replaced; the service is rolled forward to a new version; everything
 * stops cleanly, Ctrl-C included, and the state it leaves is what a restarted scheduler would recover.
 * The operator web UI and API run alongside (on http://127.0.0.1:8081/, or a free port if that one is
 * taken); with {@code --serve} the sample keeps the service running, UI included, until Ctrl-C.
 */
public final class QuickStart {
  private static final Principal USER = Principal.of("quickstart");
  private static final long T0 = System.nanoTime();

  private QuickStart() {}

  /** Runs the quick start. */
  public static void main(String[] args) throws Exception {
    Path work = Files.createTempDirectory("aurora-quickstart-");
    Path sandboxes = work.resolve("sandboxes");
    Path state = work.resolve("state");
    LocalBackend backend = LocalBackend.builder()
        .agents(4).cpusPerAgent(2).ramMbPerAgent(1024).diskMbPerAgent(1024)
        .sandboxRoot(sandboxes)
        .killGracePeriod(Duration.ofSeconds(2))
        .build();
    Scheduler scheduler = Scheduler.builder().backend(backend)
        // durable state: every change is fsynced to a log in this directory before the scheduler acts on it
        .storage(Storage.fileLog(state))
        // a task that dies within 10 s of starting is "flapping": its replacement waits 1 s, 2 s, ... up to 10 s
        .flapping(Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofSeconds(10))
        .build();
    boolean serve = List.of(args).contains("--serve");
    AtomicBoolean closed = new AtomicBoolean();
    OperatorServer[] ui = new OperatorServer[1];
    Runnable shutdown = () -> {
      if (closed.compareAndSet(false, true)) {
        if (ui[0] != null) {
          ui[0].close();
        }
        scheduler.close();
      }
    };
    Runtime.getRuntime().addShutdownHook(new Thread(shutdown, "quickstart-shutdown"));

    say("Starting a scheduler on 4 local agents; state in " + state + ", task sandboxes under " + sandboxes);
    scheduler.start();
    scheduler.events().subscribe(QuickStart::show);
    ui[0] = operatorServer(scheduler);
    say("Operator UI and API: " + ui[0].url() + "  (no login: local use only; see docs/operator-api.md)");
    ActingScheduler user = scheduler.as(USER); // every change below is authorized and audited as USER

    // 1. A service: one template, bound to a version.
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String classes = Path.of(HelloServer.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    JobTemplate hello = Job.service("www-data/prod/hello")
        .instances(5)
        .task(t -> t.process("server", java + " -Xmx24m -Xss256k -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "
                + classes + " dev.aurora.samples.HelloServer --port {{port.http}} --version {{version}} --instance {{instance}}")
            .cpus(0.25).ramMb(200).diskMb(16).port("http")
            .healthCheck(HealthCheck.http("http", "/health").withInitialDelay(Duration.ofSeconds(10))
                .withInterval(Duration.ofSeconds(1)).withTimeout(Duration.ofSeconds(1))))
        .constraint(Constraint.limit("host", 1))
        .update(UpdateSettings.builder().batchSizes(2).watch(Duration.ofSeconds(3)).build())
        .toTemplate();
    JobConfig v1 = hello.bind("version", "1.0").build();
    JobKey key = v1.key();

    step("1. Create " + key + ": 5 instances of a small HTTP server, at most one per host (host:1)");
    user.createJob(v1);
    scheduler.whenHealthy(key, 4).get(40, SECONDS); // 4 instances RUNNING and healthy, or a TimeoutException
    table(scheduler);
    say("Only 4 hosts exist, so instance 4 waits. whyPending says: " + scheduler.whyPending(key));
    callEach(scheduler, key);
    say("Scale to what fits: kill instance 4.");
    user.killInstances(key, Set.of(4));

    // 2. A cron job and a one-off job.
    step("2. A cron job (every minute; started once now) and a one-off job of 2 instances");
    JobConfig tick = Job.cron("www-data/prod/tick", "* * * * *")
        .task(t -> t.process("tick", "date -u '+tick at %H:%M:%S'").cpus(0.1).ramMb(32)).build();
    user.createJob(tick);
    user.startCronJob(tick.key());
    say("next cron firings: " + scheduler.nextCronRuns(tick.key(), 2));
    JobConfig report = Job.adhoc("www-data/prod/report").instances(2)
        .task(t -> t.process("report", "echo computing part {{instance}}; sleep 1; echo done").cpus(0.1).ramMb(32))
        .build();
    user.createJob(report);
    scheduler.whenFinished(report.key()).get(30, SECONDS); // its JobFinished event: which instances exited 0

    // 3. Kill an instance's process from outside: the scheduler replaces it.
    step("3. Kill instance 2's process from outside the scheduler (as a crash would)");
    ScheduledTask victim = scheduler.tasks(TaskQuery.job(key).states(ScheduleStatus.RUNNING)).stream()
        .filter(t -> t.instance() == 2).findFirst().orElseThrow();
    CompletableFuture<ScheduledTask> victimEnded = scheduler.whenTaskEnds(victim.id()); // awaited before it can end
    ProcessHandle.current().descendants()
        .filter(p -> p.info().commandLine().orElse("").contains("HelloServer --port " + victim.ports().get("http") + " "))
        .forEach(ProcessHandle::destroyForcibly);
    say("killed the server process of task " + victim.id());
    say("the scheduler saw it end: " + victimEnded.get(30, SECONDS).status());
    scheduler.whenHealthy(key, 4).get(60, SECONDS); // instance 2's replacement is RUNNING and healthy
    table(scheduler);

    // 4. Roll forward to a new version, scaled to the 4 instances the hosts can hold.
    step("4. Roll forward to version 2.0, 2 instances at a time, each watched 3 s");
    UpdateId update = user.startUpdate(key, hello.toBuilder().instances(4).bind("version", "2.0").build(), "ship 2.0");
    // the update's end, whatever it is (a deploy pipeline would use whenRolledForward, which throws
    // UpdateFailedException unless the update rolled forward)
    UpdateDetails done = scheduler.whenUpdateEnds(update).get(90, SECONDS);
    say("update " + done.id() + " ended " + done.status() + " (" + done.events().get(done.events().size() - 1).message() + ")");
    table(scheduler);
    callEach(scheduler, key);

    if (serve) {
      step("The service keeps running: watch it at " + ui[0].url() + " (Ctrl-C stops everything)");
      Thread.currentThread().join();
    }

    // 5. Stop: every process the backend started goes with it.
    step("5. Stop the scheduler");
    shutdown.run();
    long left = ProcessHandle.current().descendants().filter(ProcessHandle::isAlive)
        .filter(p -> p.info().commandLine().orElse("").contains("HelloServer")).count();
    say("processes left running: " + left);
    say("jobs a scheduler started on " + state + " would recover: " + storedJobs(state));
    say("done in " + seconds() + " s");
  }

  /** The operator server on port 8081, or on any free port if 8081 is taken. */
  private static OperatorServer operatorServer(Scheduler scheduler) {
    try {
      return OperatorServer.builder().scheduler(scheduler).port(8081).start();
    } catch (UncheckedIOException e) {
      return OperatorServer.builder().scheduler(scheduler).port(0).start();
    }
  }

  /** Replays the stored ops far enough to list the jobs (the scheduler's recovery replays them all). */
  private static Set<String> storedJobs(Path state) {
    Set<String> jobs = new TreeSet<>();
    try (Storage storage = Storage.fileLog(state)) {
      Storage.Stored stored = storage.recover();
      for (List<Op> ops : List.of(stored.snapshot(), stored.log())) {
        for (Op op : ops) {
          if (op instanceof Op.SaveJob saved) {
            jobs.add(saved.job().key().toString());
          } else if (op instanceof Op.RemoveJob removed) {
            jobs.remove(removed.key().toString());
          }
        }
      }
    }
    return jobs;
  }

  private static void callEach(Scheduler scheduler, JobKey key) throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    for (ScheduledTask t : scheduler.tasks(TaskQuery.job(key).states(ScheduleStatus.RUNNING))) {
      int port = t.ports().get("http");
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
      say("GET http://127.0.0.1:" + port + "/ on " + t.host().orElse("?") + " -> " + r.body().trim());
    }
  }

  private static void table(Scheduler scheduler) {
    Map<String, String> rows = new TreeMap<>();
    for (ScheduledTask t : scheduler.tasks(TaskQuery.all().active())) {
      rows.merge(t.job().toString(), t.instance() + ":" + t.status() + (t.host().map(h -> "@" + h).orElse("")),
          (a, b) -> a + "  " + b);
    }
    say("+-- active tasks " + "-".repeat(60));
    rows.forEach((job, tasks) -> System.out.printf("| %-22s %s%n", job, tasks));
    say("+" + "-".repeat(76));
  }

  private static void show(SchedulerEvent e) {
    if (e instanceof SchedulerEvent.TaskStateChanged c) {
      ScheduleStatus s = c.task().status();
      if (s == ScheduleStatus.ASSIGNED || s == ScheduleStatus.STARTING) {
        return; // keep the live view short: placement and start are shown by RUNNING
      }
      String msg = c.task().lastMessage();
      System.out.printf("  [%5s] %s/%d %s -> %s%s%n", seconds(), c.task().job(), c.task().instance(), c.from(), s,
          msg.isEmpty() ? "" : " (" + msg + ")");
    } else if (e instanceof SchedulerEvent.TaskHealthChanged h) {
      System.out.printf("  [%5s] %s/%d %s%n", seconds(), h.task().job(), h.task().instance(),
          h.healthy() ? "healthy" : "UNHEALTHY");
    } else if (e instanceof SchedulerEvent.UpdateStateChanged u) {
      UpdateDetails d = u.update();
      System.out.printf("  [%5s] update %s %s: %s%n", seconds(), d.job(), d.status(),
          d.events().get(d.events().size() - 1).message());
    } else if (e instanceof SchedulerEvent.JobFinished f) {
      System.out.printf("  [%5s] %s finished: instances %s exited 0, %s failed%n", seconds(), f.job(), f.finished(),
          f.failed());
    } else if (e instanceof SchedulerEvent.CronFired f) {
      System.out.printf("  [%5s] cron %s fired (%s)%n", seconds(), f.job(), f.message());
    }
  }

  private static void step(String text) {
    System.out.println();
    System.out.println("== " + text);
  }

  private static void say(String text) {
    System.out.println(text);
  }

  private static String seconds() {
    return String.format("%.1f", (System.nanoTime() - T0) / 1e9);
  }
}
