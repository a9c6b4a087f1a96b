package dev.aurora.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Job;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Principal;
import dev.aurora.api.TaskConfig;
import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.Scheduler;
import dev.aurora.core.TaskStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tasks with a container: refused without a container runtime, run in it with one. */
class ContainerTest {
  private static final String IMAGE = "docker.io/library/busybox:latest";

  @TempDir Path root;
  private final RecordingListener listener = new RecordingListener();
  private LocalBackend backend;
  private Scheduler scheduler;

  @AfterEach
  void close() {
    if (scheduler != null) {
      scheduler.close();
    } else if (backend != null) {
      backend.close();
    }
  }

  private LocalBackend.Builder builder() {
    return LocalBackend.builder().sandboxRoot(root.resolve("sandboxes")).agents(1).cpusPerAgent(2)
        .ramMbPerAgent(1024).diskMbPerAgent(1024).killGracePeriod(Duration.ofSeconds(2));
  }

  @Test
  void aTaskInAContainerIsRefusedWithoutARuntimeWithTheReasonInWhyPending() {
    backend = builder().build();
    scheduler = Scheduler.builder().backend(backend).build();
    scheduler.start();
    JobConfig boxed = Job.service("www-data/test/boxed").instances(1)
        .task(t -> t.process("p", "sleep 600").cpus(0.1).ramMb(16).container(IMAGE)).build();
    JobConfig plain = Job.service("www-data/test/plain").instances(1)
        .task(t -> t.process("p", "sleep 600").cpus(0.1).ramMb(16)).build();
    scheduler.createJob(boxed, Principal.of("it"));
    scheduler.createJob(plain, Principal.of("it"));

    String reason = "the local backend has no container runtime for task.container " + IMAGE
        + ": build it with LocalBackend.builder().containerRuntime(\"podman\") (or \"docker\")";
    Tasks.awaitUntil("the refusal in whyPending", () -> scheduler.whyPending(boxed.key()).vetoes().containsKey(reason));
    Tasks.awaitUntil("the plain job running", () -> scheduler.tasks(dev.aurora.core.TaskQuery.job(plain.key())).stream()
        .anyMatch(t -> t.status() == ScheduleStatus.RUNNING));
    assertThat(scheduler.tasks(dev.aurora.core.TaskQuery.job(boxed.key())))
        .allSatisfy(t -> assertThat(t.status()).isEqualTo(ScheduleStatus.PENDING));
  }

  @Test
  void aContainerLaunchedAnywayWithoutARuntimeFailsInsteadOfRunningOnTheHost() {
    backend = builder().build();
    backend.start(listener);
    Offer offer = listener.awaitOffer("local-0");
    TaskConfig config = Job.adhoc("www-data/test/boxed").task(t -> t.process("p", "touch ran-on-host").cpus(0.1)
        .ramMb(16).container(IMAGE)).build().task();
    var launch = Tasks.launch(offer, config, List.of()).build();
    backend.launch(List.of(offer.id()), List.of(launch));

    TaskStatus end = listener.awaitEnd(launch.taskId());
    assertThat(end.state()).isEqualTo(ScheduleStatus.FAILED);
    assertThat(end.message()).startsWith("the local backend has no container runtime for task.container");
    assertThat(backend.sandbox(launch.taskId()).map(d -> Files.exists(d.resolve("ran-on-host")))).hasValue(false);
  }

  /**
   * The command the runtime gets, with a stand-in runtime (a script that records its arguments and
   * runs the command as the runtime would): the image, the sandbox mounted, the working directory, the
   * environment by name, and the process's command.
   */
  @Test
  void aTaskInAContainerRunsThroughTheConfiguredRuntime() throws IOException {
    Path fake = root.resolve("fake-runtime");
    Files.writeString(fake, """
        #!/bin/sh
        printf '%s\\n' "$@" > "$FAKE_ARGS"
        for last; do :; done
        exec sh -c "$last"
        """);
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path args = root.resolve("args");
    backend = builder().containerRuntime(fake.toString()).build();
    backend.start(listener);
    Offer offer = listener.awaitOffer("local-0");
    TaskConfig config = Job.adhoc("www-data/test/boxed").task(t -> t.process("p", "echo inside > out")
        .env("FAKE_ARGS", args.toString()).cpus(0.1).ramMb(16).container(IMAGE)).build().task();
    var launch = Tasks.launch(offer, config, List.of()).build();
    backend.launch(List.of(offer.id()), List.of(launch));

    TaskStatus end = listener.awaitEnd(launch.taskId());
    Path sandbox = Tasks.awaitSandbox(backend, launch.taskId());
    assertThat(end.state()).as(end.message()).isEqualTo(ScheduleStatus.FINISHED);
    assertThat(Files.readString(sandbox.resolve("out"))).isEqualTo("inside\n");
    List<String> argv = Files.readAllLines(args);
    assertThat(argv).startsWith("run", "--rm", "-i", "--network", "host", "--name");
    assertThat(argv).containsSubsequence("-v", sandbox + ":" + sandbox, "-w", sandbox.toString());
    assertThat(argv).containsSubsequence("-e", "AURORA_TASK_ID");
    assertThat(argv.subList(argv.size() - 4, argv.size())).containsExactly(IMAGE, "sh", "-c", "echo inside > out");
  }

  @Test
  void aTaskInAContainerRunsInARealRuntimeWhenOneWorks() throws Exception {
    String runtime = workingRuntime().orElse(null);
    Assumptions.assumeTrue(runtime != null, "skipped: no working container runtime here (podman is not installed;"
        + " docker is, but 'docker info' fails: no engine) or the image " + IMAGE + " is not present locally");
    backend = builder().containerRuntime(runtime).build();
    backend.start(listener);
    Offer offer = listener.awaitOffer("local-0");
    TaskConfig config = Job.adhoc("www-data/test/boxed").task(t -> t.process("p", "cat /etc/os-release > os")
        .cpus(0.1).ramMb(64).container(IMAGE)).build().task();
    var launch = Tasks.launch(offer, config, List.of()).build();
    backend.launch(List.of(offer.id()), List.of(launch));

    TaskStatus end = listener.awaitStatus(launch.taskId() + " ended", s -> s.taskId().equals(launch.taskId())
        && s.state().isTerminal());
    assertThat(end.state()).as(end.message()).isEqualTo(ScheduleStatus.FINISHED);
    assertThat(Files.exists(Tasks.awaitSandbox(backend, launch.taskId()).resolve("os"))).isTrue();
  }

  /** podman or docker, if one answers {@code info} and has the image; empty otherwise. */
  private static Optional<String> workingRuntime() {
    for (String rt : List.of("podman", "docker")) {
      if (succeeds(rt, "info") && succeeds(rt, "image", "inspect", IMAGE)) {
        return Optional.of(rt);
      }
    }
    return Optional.empty();
  }

  private static boolean succeeds(String... argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
