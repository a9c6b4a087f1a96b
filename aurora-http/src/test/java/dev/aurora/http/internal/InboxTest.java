package dev.aurora.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InboxTest {

  @Test
  void itemsComeOutInTheOrderTheyWentInAcrossChunks() {
    Inbox<Integer> inbox = new Inbox<>(10_000);
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < Inbox.CHUNK + 5; i++) {
      inbox.add(i);
    }
    inbox.drain(out::add);
    for (int i = Inbox.CHUNK + 5; i < 3 * Inbox.CHUNK; i++) {
      inbox.add(i);
    }
    inbox.drain(out::add);
    inbox.drain(out::add);

    assertThat(out).hasSize(3 * Inbox.CHUNK);
    for (int i = 0; i < out.size(); i++) {
      assertThat(out.get(i)).isEqualTo(i);
    }
  }

  @Test
  void pastItsLimitItDropsItemsAndSaysSoUntilDiscarded() {
    Inbox<Integer> inbox = new Inbox<>(3);
    for (int i = 0; i < 5; i++) {
      inbox.add(i);
    }
    assertThat(inbox.overflowed()).isTrue();

    assertThat(inbox.discard()).isTrue();
    inbox.add(7);
    List<Integer> out = new ArrayList<>();
    inbox.drain(out::add);

    assertThat(inbox.overflowed()).isFalse();
    assertThat(out).containsExactly(7);
    assertThat(inbox.discard()).as("nothing to discard without an overflow").isFalse();
  }

  @Test
  void theLimitCountsOnlyWhatIsNotTakenYet() {
    Inbox<Integer> inbox = new Inbox<>(3);
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      inbox.add(i);
      inbox.drain(out::add);
    }
    assertThat(inbox.overflowed()).isFalse();
    assertThat(out).hasSize(10);
  }

  @Test
  void aBoundedDrainTakesAtMostItsBoundAndTheRestWaitsInOrder() {
    Inbox<Integer> inbox = new Inbox<>(10_000);
    for (int i = 0; i < Inbox.CHUNK + 10; i++) {
      inbox.add(i);
    }
    List<Integer> out = new ArrayList<>();

    assertThat(inbox.drain(out::add, Inbox.CHUNK + 3)).as("stopped at its bound").isFalse();
    assertThat(out).hasSize(Inbox.CHUNK + 3);
    assertThat(inbox.drain(out::add, 100)).as("took what was left").isTrue();

    assertThat(out).hasSize(Inbox.CHUNK + 10);
    for (int i = 0; i < out.size(); i++) {
      assertThat(out.get(i)).isEqualTo(i);
    }
  }
}
