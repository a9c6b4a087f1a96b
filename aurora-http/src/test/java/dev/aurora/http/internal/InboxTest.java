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

  @Test
  void itSaysWhetherItemsWaitAcrossChunksAndAfterAnOverflow() {
    Inbox<Integer> inbox = new Inbox<>(10 * Inbox.CHUNK);
    assertThat(inbox.waiting()).isFalse();
    for (int i = 0; i < Inbox.CHUNK; i++) {
      inbox.add(i);
    }
    assertThat(inbox.waiting()).isTrue();
    inbox.drain(item -> {});
    assertThat(inbox.waiting()).isFalse();   // the first chunk read to its end, no next one yet
    inbox.add(1);                              // the first item of a new chunk
    assertThat(inbox.waiting()).isTrue();
    inbox.drain(item -> {});
    assertThat(inbox.waiting()).isFalse();

    Inbox<Integer> small = new Inbox<>(1);
    small.add(1);
    small.drain(item -> {});
    small.add(2);
    small.add(3);   // dropped: one waits already
    small.drain(item -> {});
    assertThat(small.waiting()).isTrue();   // nothing to drain, but items were dropped
    small.discard();
    assertThat(small.waiting()).isFalse();
  }
}
