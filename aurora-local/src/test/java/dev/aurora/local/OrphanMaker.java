package dev.aurora.local;

import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A JVM that starts a local backend on the sandbox root {@code args[0]}, launches a task that spawns
 * children, prints {@code READY <task id> <sandbox>} once they run, and then, as {@code args[1]} says,
 * waits to be killed ({@code wait}) or exits without closing the backend ({@code exit}).
 */
public final class OrphanMaker {
  private OrphanMaker() {}

  public static void main(String[] args) throws Exception {
    RecordingListener listener = new RecordingListener();
    LocalBackend backend = LocalBackend.builder().sandboxRoot(Path.of(args[0])).agents(1).cpusPerAgent(1)
        .ramMbPerAgent(256).killGracePeriod(Duration.ofMillis(200)).build();
    backend.start(listener);
    Offer offer = listener.awaitOffer("local-0");
    TaskLaunch launch = Tasks.launch(offer, Tasks.small(),
        "sleep 300 & echo $! >> pids; (sleep 301 & echo $! >> pids); echo $$ >> pids; wait").build();
    backend.launch(List.of(offer.id()), List.of(launch));
    listener.awaitStatus(launch.taskId(), ScheduleStatus.RUNNING);
    Path sandbox = Tasks.awaitSandbox(backend, launch.taskId());
    Tasks.awaitPids(sandbox.resolve("pids"), 3);
    System.out.println("READY " + launch.taskId() + " " + sandbox);
    System.out.flush();
    if (args[1].equals("exit")) {
      System.exit(0);
    }
    Thread.sleep(Long.MAX_VALUE);
  }
}
