package dev.aurora.http.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.core.SchedulerEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventHubTest {

  @Test
  void aSlowClientIsDroppedAndNeverHoldsUpTheScheduler() throws Exception {
    EventHub hub = new EventHub(100, 4, 8, Duration.ofSeconds(30));
    GatedClient client = new GatedClient();
    Reply reply = hub.stream(Optional.empty());
    CompletableFuture<Void> serving = CompletableFuture.runAsync(() -> {
      try {
        reply.stream().write(client);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    client.writing.await();
    assertThat(hub.clients()).isEqualTo(1);
    // the client takes nothing, yet publishing 1000 events goes on at once (bounded only to fail, not to time)
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      for (int i = 0; i < 1000; i++) {
        hub.publish(new SchedulerEvent.JobCreated(Instant.EPOCH, JobKey.of("r", "e", "j" + i), Principal.of("a")));
      }
    });
    client.release.countDown();
    serving.get();
    assertThat(client.taken.text()).contains("event: dropped");
    assertThat(client.taken.text()).doesNotContain("r/e/j999");
    assertThat(hub.clients()).isZero();
    hub.close();
  }

  /** A client's connection that takes everything, and can wait (boundedly) for some text. */
  static final class CollectingClient extends OutputStream {
    private final StringBuilder text = new StringBuilder();

    @Override
    public synchronized void write(int b) {
      text.append((char) b);
      notifyAll();
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      text.append(new String(b, off, len, StandardCharsets.UTF_8));
      notifyAll();
    }

    synchronized String text() {
      return text.toString();
    }

    synchronized String awaitText(String expected) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!text.toString().contains(expected) && System.nanoTime() < deadline) {
        wait(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 1);
      }
      assertThat(text.toString()).contains(expected);
      return text.toString();
    }
  }

  static SchedulerEvent created(int i) {
    return new SchedulerEvent.JobCreated(Instant.EPOCH, JobKey.of("r", "e", "j" + i), Principal.of("a"));
  }

  static String sse(long id, SchedulerEvent e) {
    return "id: " + id + "\nevent: " + EventHub.category(e) + "\ndata: "
        + new String(Json.write(EventHub.data(e)), StandardCharsets.UTF_8) + "\n\n";
  }

  /** A client's connection that takes nothing until released, then everything at once. */
  static final class GatedClient extends OutputStream {
    final CountDownLatch release = new CountDownLatch(1);
    final CountDownLatch writing = new CountDownLatch(1);
    final CollectingClient taken = new CollectingClient();

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      writing.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
      taken.write(b, off, len);
    }
  }

  private static void handOverBurst(EventHub hub, int from, int to) {
    for (int i = from; i <= to; i++) {
      hub.handOver(created(i));
    }
    hub.takeBatch();   // the whole burst is one batch, as under a busy scheduler
  }

  @Test
  void aClientThatKeepsReadingThroughBurstsLargerThanItsBufferStaysConnectedAndGetsEveryEventInOrder() throws Exception {
    EventHub hub = new EventHub(100, 10, 8, Duration.ofSeconds(30));
    GatedClient client = new GatedClient();
    CompletableFuture<Void> serving = serve(hub, Optional.empty(), client);
    client.writing.await();   // its writer is busy with a write when the burst comes
    handOverBurst(hub, 1, 1_000);   // a hundred times its buffer, in one batch
    client.release.countDown();
    client.taken.awaitText("r/e/j1000\"");
    handOverBurst(hub, 1_001, 2_000);
    String text = client.taken.awaitText("r/e/j2000\"");

    assertThat(hub.clients()).isEqualTo(1);
    assertThat(text).doesNotContain("event: dropped");
    StringBuilder every = new StringBuilder();
    for (int i = 1; i <= 2_000; i++) {
      every.append(sse(i, created(i)));
    }
    assertThat(text).isEqualTo("retry: 2000\n\n" + every);
    hub.close();
    serving.get(30, TimeUnit.SECONDS);
  }

  @Test
  void aClientWhoseWriterIsHeldUpForFewerThanFiveHundredBatchesCatchesUpWithEveryEvent() throws Exception {
    EventHub hub = new EventHub(100, 10, 8, Duration.ofSeconds(30));
    GatedClient client = new GatedClient();
    CompletableFuture<Void> serving = serve(hub, Optional.empty(), client);
    client.writing.await();   // its thread gets no CPU for a while (a busy machine), then goes on
    handOverBurst(hub, 1, 1_000);
    for (int batch = 1; batch < EventHub.STALL_BATCHES; batch++) {
      handOverBurst(hub, 1_000 + batch, 1_000 + batch);
    }
    client.release.countDown();
    int last = 1_000 + EventHub.STALL_BATCHES - 1;
    String text = client.taken.awaitText("r/e/j" + last + "\"");

    StringBuilder every = new StringBuilder();
    for (int i = 1; i <= last; i++) {
      every.append(sse(i, created(i)));
    }
    assertThat(text).isEqualTo("retry: 2000\n\n" + every);
    assertThat(hub.clients()).isEqualTo(1);
    hub.close();
    serving.get(30, TimeUnit.SECONDS);
  }

  @Test
  void aClientThatStopsReadingAfterABurstIsDroppedAfterFiveHundredBatchesWithoutHoldingUpTheHub() throws Exception {
    EventHub hub = new EventHub(100, 10, 8, Duration.ofSeconds(30));
    GatedClient client = new GatedClient();
    CompletableFuture<Void> serving = serve(hub, Optional.empty(), client);
    client.writing.await();   // and it takes nothing more
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      handOverBurst(hub, 1, 1_000);
      for (int batch = 1; batch < EventHub.STALL_BATCHES; batch++) {
        handOverBurst(hub, 1_000 + batch, 1_000 + batch);
      }
    });
    int next = 1_000 + EventHub.STALL_BATCHES;
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> handOverBurst(hub, next, next));
    client.release.countDown();
    serving.get(30, TimeUnit.SECONDS);
    assertThat(client.taken.awaitText("event: dropped")).doesNotContain("r/e/j");
    assertThat(hub.clients()).isZero();
    hub.close();
  }

  /** A client's connection that takes one write per permit the test gives, and says how many it began and ended. */
  static final class PacedClient extends OutputStream {
    final Semaphore permits = new Semaphore(0);
    final CollectingClient taken = new CollectingClient();
    private int begun;
    private int done;

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      synchronized (this) {
        begun++;
        notifyAll();
      }
      try {
        permits.acquire();
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
      taken.write(b, off, len);
      synchronized (this) {
        done++;
        notifyAll();
      }
    }

    /** Waits (boundedly) until {@code n} writes began and {@code m} of them ended. */
    synchronized void await(int n, int m) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while ((begun < n || done < m) && System.nanoTime() < deadline) {
        wait(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 1);
      }
      assertThat(begun).as("writes begun").isGreaterThanOrEqualTo(n);
      assertThat(done).as("writes ended").isGreaterThanOrEqualTo(m);
    }
  }

  private static List<SchedulerEvent> createdFromTo(int from, int to) {
    List<SchedulerEvent> events = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      events.add(created(i));
    }
    return events;
  }

  @Test
  void aClientThatKeepsWritingButFallsFurtherAndFurtherBehindIsDroppedPastTheHubsOwnLimit() throws Exception {
    EventHub hub = new EventHub(100, 10, 8, Duration.ofSeconds(30), 64);
    PacedClient client = new PacedClient();
    CompletableFuture<Void> serving = serve(hub, Optional.empty(), client);
    client.permits.release();
    client.await(1, 1);   // "retry:" written
    hub.publish(createdFromTo(1, 1_000));
    client.await(2, 1);   // its writer took the burst, and began writing it (many writes of ~8 KiB)

    // a batch of 20 each time, and one write between two: more than its buffer of 10 waits, yet it writes
    for (int k = 1; k <= 4; k++) {
      hub.publish(createdFromTo(1_000 + 20 * k - 19, 1_000 + 20 * k));
      client.permits.release();
      client.await(2 + k, 1 + k);
      assertThat(hub.clients()).as("still connected after batch %s", k).isEqualTo(1);
    }
    hub.publish(createdFromTo(1_081, 1_100));   // 80 wait: more than the hub's own limit of 64
    client.permits.release(10_000);
    assertThat(client.taken.awaitText("event: dropped")).doesNotContain("r/e/j1001\"");
    serving.get(30, TimeUnit.SECONDS);
    assertThat(hub.clients()).isZero();
    hub.close();
  }

  @Test
  void withNoClientConnectedPublishingEncodesNothing() {
    EventHub hub = new EventHub(100, 10, 8, Duration.ofSeconds(30));
    for (int i = 0; i < 50; i++) {
      hub.publish(created(i));
    }
    assertThat(hub.clients()).isZero();
    assertThat(hub.encoded()).isZero();
    hub.close();
  }

  @Test
  void aClientResumingAfterEventsPublishedWithNoClientGetsThemAsEncodedNowAndLiveOnesAfter() throws Exception {
    EventHub hub = new EventHub(100, 10, 8, Duration.ofSeconds(30));
    for (int i = 1; i <= 3; i++) {
      hub.publish(created(i));
    }
    CollectingClient client = new CollectingClient();
    Reply reply = hub.stream(Optional.of("1"));
    CompletableFuture<Void> serving = CompletableFuture.runAsync(() -> {
      try {
        reply.stream().write(client);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    // the two events after id 1, encoded only now, byte for byte as an encoding at publication
    String replayed = client.awaitText("r/e/j3");
    assertThat(replayed).contains(sse(2, created(2)) + sse(3, created(3))).doesNotContain("r/e/j1\"");
    assertThat(hub.encoded()).isEqualTo(2);
    // with a client connected, each new event arrives, encoded once
    hub.publish(created(4));
    assertThat(client.awaitText("r/e/j4")).endsWith(sse(4, created(4)));
    assertThat(hub.encoded()).isEqualTo(3);
    hub.close();
    serving.get(30, TimeUnit.SECONDS);
  }

  private static CompletableFuture<Void> serve(EventHub hub, Optional<String> lastEventId, OutputStream client) {
    Reply reply = hub.stream(lastEventId);
    return CompletableFuture.runAsync(() -> {
      try {
        reply.stream().write(client);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Test
  void eventsHandedOverOnTheLoopAreNumberedInOrderWhenTheHubTakesThemAsOneBatch() throws Exception {
    EventHub hub = new EventHub(100, 10, 8, Duration.ofSeconds(30));
    for (int i = 1; i <= 5; i++) {
      hub.handOver(created(i));   // what the loop does: no numbering, no lock, no task per event
    }
    hub.takeBatch();
    CollectingClient client = new CollectingClient();
    CompletableFuture<Void> serving = serve(hub, Optional.of("0"), client);
    String text = client.awaitText("r/e/j5");
    assertThat(text).contains(sse(1, created(1)) + sse(2, created(2)) + sse(3, created(3)) + sse(4, created(4))
        + sse(5, created(5)));
    hub.handOver(created(6));
    hub.takeBatch();
    assertThat(client.awaitText("r/e/j6")).endsWith(sse(6, created(6)));
    hub.close();
    serving.get(30, TimeUnit.SECONDS);
  }

  @Test
  void eventsTheHubFellTooFarBehindToTakeDropItsClientsAndAResumeFromBeforeIsToldToReload() throws Exception {
    EventHub hub = new EventHub(100, 10, 8, Duration.ofSeconds(30), 4);
    hub.handOver(created(1));
    hub.handOver(created(2));
    hub.takeBatch();
    CollectingClient live = new CollectingClient();
    CompletableFuture<Void> serving = serve(hub, Optional.empty(), live);
    live.awaitText("retry:");
    for (int i = 3; i <= 10; i++) {
      hub.handOver(created(i));   // more than the 4 the loop hands over between two batches
    }
    hub.takeBatch();

    assertThat(live.awaitText("event: dropped")).doesNotContain("r/e/j3\"");
    serving.get(30, TimeUnit.SECONDS);
    CollectingClient resuming = new CollectingClient();
    CompletableFuture<Void> resumed = serve(hub, Optional.of("2"), resuming);
    assertThat(resuming.awaitText("event: reset")).contains("events after 2 are no longer kept");
    // what comes after is numbered and sent as before
    hub.handOver(created(11));
    hub.takeBatch();
    assertThat(resuming.awaitText("r/e/j11")).doesNotContain("r/e/j10\"");
    hub.close();
    resumed.get(30, TimeUnit.SECONDS);
  }
}
