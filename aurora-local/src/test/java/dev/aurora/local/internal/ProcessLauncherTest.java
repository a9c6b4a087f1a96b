package dev.aurora.local.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a command line is started: a command of plain words naming one program is {@code exec}ed by
 * {@code setsid} without a shell (a program start less per process), and sees what it would have seen
 * under {@code sh -c}; anything else runs under the shell.
 */
class ProcessLauncherTest {
  @TempDir Path dir;
  @TempDir Path bin;

  private Map<String, String> environment() {
    return new HashMap<>(System.getenv());
  }

  @Test
  void aPlainCommandIsStartedWithoutAShell() {
    ProcessLauncher launcher = new ProcessLauncher(true);

    assertThat(launcher.argv("sleep 600", dir, environment())).containsExactly("setsid", "sleep", "600");
    assertThat(launcher.argv("  sleep\t600 ", dir, environment())).containsExactly("setsid", "sleep", "600");
  }

  @Test
  void aCommandTheShellWouldExpandStillRunsUnderTheShell() {
    ProcessLauncher launcher = new ProcessLauncher(true);

    for (String command : List.of("echo $HOME", "echo 'a b'", "echo \"a\"", "ls *", "echo ~", "echo a\\ b",
        "echo a # comment", "sleep 1; sleep 2", "X=1 sleep 1", "cd /tmp", "no-such-program-here 1")) {
      assertThat(launcher.argv(command, dir, environment())).as(command).startsWith("setsid", "sh", "-c");
    }
    assertThat(new ProcessLauncher(false).argv("sleep 600", dir, environment()))
        .containsExactly("sh", "-c", "exec sleep 600");
  }

  @Test
  void aProgramStartedWithoutAShellSeesItsDirectoryAsPwdAndTheProcessPath() throws Exception {
    Path script = bin.resolve("where-am-i");
    Files.writeString(script, "#!/bin/sh\necho \"$PWD $1 $2\"\n");
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    Map<String, String> environment = Map.of("PATH", bin + ":" + System.getenv("PATH"), "PWD", "/");
    Path out = dir.resolve("out");

    ProcessLauncher.Started started = new ProcessLauncher(true).start("where-am-i a=b c,d", dir, environment,
        ProcessBuilder.Redirect.to(out.toFile()), ProcessBuilder.Redirect.DISCARD);

    assertThat(started.process().waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(started.process().exitValue()).isZero();
    assertThat(Files.readString(out)).isEqualTo(dir.toRealPath() + " a=b c,d\n");
  }
}
