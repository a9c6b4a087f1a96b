package dev.aurora.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.aurora.core.LeaderElection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link LeaderElection} owes the scheduler: a participant is told when it leads
 * and when it stops, in alternation; it says who leads; relinquishing and closing depose it; of
 * several participants of one group exactly one leads, and another takes over when it leaves. Extend
 * it with {@link #participant(String)} returning a new participant of one group per test. An
 * election whose participants cannot share a group (a single node) overrides {@link
 * #participantsShareAGroup()} to skip the group tests.
 *
 * <p>Elections may call listeners on their own threads: every expectation is awaited for at most
 * {@link #patience()}.
 */
public abstract class LeaderElectionContract {
  private final List<LeaderElection> opened = new ArrayList<>();

  /** A new participant, declaring {@code address}, in this test's group. */
  protected abstract LeaderElection newParticipant(String address);

  /** Whether participants made in one test compete for leadership (false for a single node). */
  protected boolean participantsShareAGroup() {
    return true;
  }

  /** How long an expected call of the listener may take; 10 seconds unless overridden. */
  protected Duration patience() {
    return Duration.ofSeconds(10);
  }

  private LeaderElection participant(String address) {
    LeaderElection e = newParticipant(address);
    opened.add(e);
    return e;
  }

  @AfterEach
  void closeParticipants() {
    opened.forEach(LeaderElection::close);
  }

  /** Records the listener's calls and fails on two of the same kind in a row. */
  protected static final class Recorder implements LeaderElection.Listener {
    private final BlockingQueue<String> calls = new LinkedBlockingQueue<>();
    private volatile boolean leading;
    private volatile String error;

    @Override
    public void elected() {
      if (leading) {
        error = "elected twice without being deposed";
      }
      leading = true;
      calls.add("elected");
    }

    @Override
    public void deposed() {
      if (!leading) {
        error = "deposed without being elected";
      }
      leading = false;
      calls.add("deposed");
    }

    /** The next call, waiting at most {@code patience}; fails if none comes. */
    String next(Duration patience) throws InterruptedException {
      String c = calls.poll(patience.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(error).as("listener calls alternate").isNull();
      assertThat(c).as("a call of the listener within " + patience).isNotNull();
      return c;
    }

    boolean leading() {
      return leading;
    }
  }

  private void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + patience().toNanos();
    Object lock = new Object();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what + " within " + patience()).isLessThan(deadline);
      synchronized (lock) {
        lock.wait(10); // a bounded poll of state the election changes on its own threads
      }
    }
  }

  @Test
  void aLoneParticipantIsElectedAndNamesItself() throws Exception {
    LeaderElection a = participant("a:8081");
    Recorder r = new Recorder();
    a.start(r);
    assertThat(r.next(patience())).isEqualTo("elected");
    assertThat(a.isLeader()).isTrue();
    await("the leader names itself", () -> a.leader().equals(Optional.of("a:8081")));
  }

  @Test
  void closingTheLeaderDeposesIt() throws Exception {
    LeaderElection a = participant("a:8081");
    Recorder r = new Recorder();
    a.start(r);
    assertThat(r.next(patience())).isEqualTo("elected");
    a.close();
    assertThat(r.next(patience())).isEqualTo("deposed");
    assertThat(a.isLeader()).isFalse();
    a.close(); // idempotent
  }

  @Test
  void startingTwiceIsRefused() throws Exception {
    LeaderElection a = participant("a:8081");
    Recorder r = new Recorder();
    a.start(r);
    assertThatThrownBy(() -> a.start(new Recorder())).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void relinquishingDeposesAndALoneParticipantIsElectedAgain() throws Exception {
    LeaderElection a = participant("a:8081");
    Recorder r = new Recorder();
    a.start(r);
    assertThat(r.next(patience())).isEqualTo("elected");
    a.relinquish();
    assertThat(r.next(patience())).isEqualTo("deposed");
    assertThat(r.next(patience())).isEqualTo("elected");
    assertThat(a.isLeader()).isTrue();
  }

  @Test
  void ofTwoParticipantsExactlyOneLeadsAndBothNameIt() throws Exception {
    assumeThat(participantsShareAGroup()).as("participants share a group").isTrue();
    LeaderElection a = participant("a:8081");
    LeaderElection b = participant("b:8081");
    Recorder ra = new Recorder();
    Recorder rb = new Recorder();
    a.start(ra);
    assertThat(ra.next(patience())).isEqualTo("elected");
    b.start(rb);
    await("the follower names the leader", () -> b.leader().equals(Optional.of("a:8081")));
    assertThat(a.isLeader()).isTrue();
    assertThat(b.isLeader()).isFalse();
    assertThat(rb.leading()).isFalse();
  }

  @Test
  void whenTheLeaderLeavesTheOtherIsElected() throws Exception {
    assumeThat(participantsShareAGroup()).as("participants share a group").isTrue();
    LeaderElection a = participant("a:8081");
    LeaderElection b = participant("b:8081");
    Recorder ra = new Recorder();
    Recorder rb = new Recorder();
    a.start(ra);
    assertThat(ra.next(patience())).isEqualTo("elected");
    b.start(rb);
    a.close();
    assertThat(ra.next(patience())).isEqualTo("deposed");
    assertThat(rb.next(patience())).isEqualTo("elected");
    assertThat(b.isLeader()).isTrue();
    await("the new leader names itself", () -> b.leader().equals(Optional.of("b:8081")));
  }

  @Test
  void whenTheLeaderRelinquishesAnotherParticipantCanLead() throws Exception {
    assumeThat(participantsShareAGroup()).as("participants share a group").isTrue();
    LeaderElection a = participant("a:8081");
    LeaderElection b = participant("b:8081");
    Recorder ra = new Recorder();
    Recorder rb = new Recorder();
    a.start(ra);
    assertThat(ra.next(patience())).isEqualTo("elected");
    b.start(rb);
    await("the follower names the leader", () -> b.leader().equals(Optional.of("a:8081")));
    a.relinquish();
    assertThat(ra.next(patience())).isEqualTo("deposed");
    await("one of them leads again", () -> ra.leading() || rb.leading());
    assertThat(ra.leading() && rb.leading()).as("both lead").isFalse();
  }
}
