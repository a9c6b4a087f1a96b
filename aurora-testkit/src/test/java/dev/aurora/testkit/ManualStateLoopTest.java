package dev.aurora.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.core.StateLoop;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The manual loop runs queued work first, then timers in the order they are due, timers due at the
 * same time in the order they were scheduled, each at its due time on the fake clock, and never a
 * cancelled one: however timers are scheduled (in order, out of order, from inside other timers).
 */
class ManualStateLoopTest {
  private final FakeClock clock = FakeClock.startingAtEpoch2026();
  private final ManualStateLoop loop = new ManualStateLoop(clock);
  private final List<String> ran = new ArrayList<>();
  private final Instant start = clock.instant();

  private StateLoop.Timer at(long millis, String name) {
    return loop.schedule(Duration.ofMillis(millis), () -> ran.add(name + "@" + (clock.millis() - start.toEpochMilli())));
  }

  @Test
  void timersRunInDueOrderAndTiesInSchedulingOrder() {
    at(30, "a");
    at(10, "b");
    at(30, "c");
    at(20, "d");
    at(10, "e");
    at(40, "f");
    at(0, "g");

    loop.advance(Duration.ofMillis(100));

    assertThat(ran).containsExactly("g@0", "b@10", "e@10", "d@20", "a@30", "c@30", "f@40");
  }

  @Test
  void manyTimersScheduledInOrderRunInOrderWithOnesScheduledOutOfOrderAmongThem() {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      at(i, "t" + i);
    }
    at(500, "late");
    at(3, "early");
    for (int i = 0; i < 1000; i++) {
      expected.add("t" + i + "@" + i);
      if (i == 3) {
        expected.add("early@3");
      }
      if (i == 500) {
        expected.add("late@500");
      }
    }

    loop.advance(Duration.ofSeconds(2));

    assertThat(ran).containsExactlyElementsOf(expected);
  }

  @Test
  void timersOfManyDelaysScheduledInAnyOrderRunInDueOrder() {
    java.util.Random random = new java.util.Random(42);
    List<long[]> scheduled = new ArrayList<>(); // due (millis from the start), order of scheduling
    long now = 0;
    for (int i = 0; i < 2000; i++) {
      long delay = random.nextInt(12) * 7L; // more delays than the loop keeps in order by themselves
      scheduled.add(new long[] {now + delay, i});
      at(delay, "t" + i);
      if (i % 100 == 99) {
        loop.advance(Duration.ofMillis(3)); // later timers of one delay are due later
        now += 3;
      }
    }
    loop.advance(Duration.ofSeconds(1));

    scheduled.sort(java.util.Comparator.<long[]>comparingLong(s -> s[0]).thenComparingLong(s -> s[1]));
    List<String> expected = new ArrayList<>();
    scheduled.forEach(s -> expected.add("t" + s[1] + "@" + s[0]));
    assertThat(ran).containsExactlyElementsOf(expected);
  }

  @Test
  void aLongTimerScheduledFirstDoesNotDelayShortOnesScheduledAfterIt() {
    at(86_400_000L, "day");
    for (int i = 0; i < 5; i++) {
      at(0, "now" + i);
    }
    at(1000, "second");

    loop.runUntilIdle();
    assertThat(ran).containsExactly("now0@0", "now1@0", "now2@0", "now3@0", "now4@0");
    loop.advance(Duration.ofDays(1));
    assertThat(ran).endsWith("second@1000", "day@86400000");
  }

  @Test
  void zeroDelayTimersRunAfterQueuedWorkInSchedulingOrder() {
    at(0, "t1");
    loop.execute(() -> ran.add("work1"));
    at(0, "t2");
    loop.execute(() -> {
      ran.add("work2");
      at(0, "t3");
      loop.execute(() -> ran.add("work3"));
    });

    loop.runUntilIdle();

    assertThat(ran).containsExactly("work1", "work2", "work3", "t1@0", "t2@0", "t3@0");
  }

  @Test
  void timersScheduledByTimersRunAtTheirOwnDueTimes() {
    loop.schedule(Duration.ofMillis(10), () -> {
      ran.add("outer@" + (clock.millis() - start.toEpochMilli()));
      at(5, "inner");
      at(0, "now");
    });
    at(12, "between");

    loop.advance(Duration.ofMillis(50));

    assertThat(ran).containsExactly("outer@10", "now@10", "between@12", "inner@15");
  }

  @Test
  void cancelledTimersNeverRunAndAreNotReportedAsNext() {
    StateLoop.Timer first = at(10, "first");
    at(20, "second");
    StateLoop.Timer third = at(20, "third");
    first.cancel();
    third.cancel();

    assertThat(loop.nextTimer()).isEqualTo(Optional.of(start.plusMillis(20)));
    loop.advance(Duration.ofMillis(30));

    assertThat(ran).containsExactly("second@20");
    assertThat(loop.nextTimer()).isEmpty();
  }

  @Test
  void advanceStopsAtItsTargetAndLeavesLaterTimersForLater() {
    at(10, "a");
    at(50, "b");
    at(5, "c");

    loop.advance(Duration.ofMillis(20));
    assertThat(ran).containsExactly("c@5", "a@10");
    assertThat(clock.millis() - start.toEpochMilli()).isEqualTo(20);
    assertThat(loop.nextTimer()).isEqualTo(Optional.of(start.plusMillis(50)));

    loop.advance(Duration.ofMillis(40));
    assertThat(ran).containsExactly("c@5", "a@10", "b@50");
  }

  @Test
  void aStoppedLoopRunsNothing() {
    at(0, "t");
    loop.execute(() -> ran.add("work"));
    loop.stop();
    at(0, "after");
    loop.execute(() -> ran.add("work after"));

    loop.advance(Duration.ofMillis(10));

    assertThat(ran).isEmpty();
    assertThat(loop.nextTimer()).isEmpty();
  }
}
