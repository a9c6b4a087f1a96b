package dev.aurora.local.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.testkit.Await;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Many tasks killed at once share the shells that signal their process groups. */
class GroupSignalsTest {
  @Test
  void killsAskedForWhileAKillShellRunsShareTheNextShell() throws InterruptedException {
    List<String> scripts = new CopyOnWriteArrayList<>();
    CountDownLatch firstRuns = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    GroupSignals signals = new GroupSignals(script -> {
      scripts.add(script);
      if (scripts.size() == 1) {
        firstRuns.countDown();
        await(release);
      }
    });
    Thread first = new Thread(() -> signals.run("kill -s TERM -- -100\n"));
    first.start();
    assertThat(firstRuns.await(10, TimeUnit.SECONDS)).isTrue();
    List<Thread> later = new java.util.ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      String line = "kill -s TERM -- -" + (100 + i) + "\n";
      Thread t = new Thread(() -> signals.run(line));
      later.add(t);
      t.start();
    }
    Await.until("the ten later kills waiting for a shell", () -> signals.waiting() == 10);

    release.countDown();
    first.join(10_000);
    for (Thread t : later) {
      t.join(10_000);
    }

    assertThat(scripts).hasSize(2);
    assertThat(scripts.get(0)).isEqualTo("kill -s TERM -- -100\n");
    for (int i = 1; i <= 10; i++) {
      assertThat(scripts.get(1)).contains("kill -s TERM -- -" + (100 + i) + "\n");
    }
    assertThat(later).noneMatch(Thread::isAlive);
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
