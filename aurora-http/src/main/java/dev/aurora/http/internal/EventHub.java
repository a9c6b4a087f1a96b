package dev.aurora.http.internal;

import dev.aurora.core.EventStream;
import dev.aurora.core.Scheduler;
import dev.aurora.core.SchedulerEvent;
import dev.aurora.core.ScheduledTask;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's events as Server-Sent Events. On the state loop, a listener only puts each event in
 * an {@link Inbox} (a slot write: no lock, no hand-off to another thread per event). The hub's own
 * thread takes what came in batches, at most one every {@value #BATCH_MILLIS} ms while events keep
 * coming (and parks, woken by the loop's next event, when none come), and, for the whole batch under
 * one lock, numbers each event, keeps the most recent in a ring for clients resuming with Last-Event-ID, and
 * hands the batch to each client's bounded buffer. A batch goes to a client whole (it is a list of
 * entries shared by every client, not a copy): however large, it fits if the client has at most its
 * buffer's worth of events still waiting from earlier batches, as a client that keeps reading has. A
 * client with more waiting is dropped if its writer got no further (encoded no event, finished no
 * write) while the last {@value #STALL_BATCHES} batches were handed over with events waiting for it
 * (it stopped reading: at least 5 s, as batches come at most every {@value #BATCH_MILLIS} ms; a
 * thread starved on a busy machine, or slow to encode its first event of a kind, is not taken for a
 * stopped client), or however far it got if more wait than the hub itself may hold ({@link
 * #INBOX_LIMIT}); so a slow client never holds up the scheduler or other clients, and a fast one
 * survives bursts larger than its buffer. A client's writer takes everything waiting at once and writes it in chunks of about
 * {@value #CHUNK_BYTES} bytes. An event's JSON is made only when a client first needs it: with no
 * client connected, events are numbered and kept but never encoded.
 */
public final class EventHub implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EventHub.class);

  /**
   * One numbered event. Its JSON is made when a client first needs it (live or replayed) and kept,
   * so with no client connected no event is encoded, and with many each is encoded once.
   */
  private final class Entry {
    final long id;
    final @Nullable SchedulerEvent event;
    private volatile @Nullable String text;

    Entry(long id, @Nullable SchedulerEvent event) {
      this.id = id;
      this.event = event;
    }

    /** The event in SSE form: id, event type and data lines. */
    String text() {
      String t = text;
      if (t == null) {
        synchronized (this) {
          t = text;
          if (t == null) {
            SchedulerEvent event = java.util.Objects.requireNonNull(this.event, "the end marker has no text");
            byte[] json;
            try {
              json = Json.write(data(event));
            } catch (RuntimeException e) {
              // never end a client's stream (again at each resume) over one event: send its type alone
              LOG.warn("cannot encode event {} for the event stream", id, e);
              json = Json.write(Map.of("type", event.getClass().getSimpleName()));
            }
            t = "id: " + id + "\nevent: " + category(event) + "\ndata: " + new String(json, StandardCharsets.UTF_8) + "\n\n";
            encoded.incrementAndGet();
            text = t;
          }
        }
      }
      return t;
    }
  }

  private final Entry end = new Entry(-1, null);
  /** Put in a client's buffer to end its stream (after a drop or at close). */
  private final List<Entry> endBatch = List.of(end);
  /**
   * How many batches in a row may be handed over with events waiting for a client whose writer gets no
   * further meanwhile (encodes no event, finishes no write), before it is dropped (if more than its
   * buffer's worth wait).
   */
  static final int STALL_BATCHES = 500;
  /** About how many bytes a client's writer hands its connection in one write. */
  static final int CHUNK_BYTES = 8 * 1024;

  private final int ringSize;
  private final int clientBuffer;
  private final int maxClients;
  /** The most events that may wait for a client that keeps writing (as many as the hub may hold). */
  private final int clientLimit;
  private final Duration keepAlive;
  private final ArrayDeque<Entry> ring = new ArrayDeque<>();
  private final Set<Client> clients = new CopyOnWriteArraySet<>();
  /** How long the hub's thread waits after a batch before it takes the next (the most it delays an event). */
  static final long BATCH_MILLIS = 10;
  /**
   * Events the loop hands over at most between two batches (each 10 ms, so only a stalled hub's thread
   * reaches it): past it the loop drops them, and the hub drops its clients and its ring so that a
   * client resuming from before is told to reload (an {@code event: reset}).
   */
  static final int INBOX_LIMIT = 1 << 18;

  private final Inbox<SchedulerEvent> inbox;
  private final List<SchedulerEvent> batch = new java.util.ArrayList<>();
  private final Thread thread = new Thread(this::run, "aurora-http-events");
  /** Set by the hub's thread before it parks with nothing to take; the loop's next event wakes it. */
  private final AtomicBoolean parked = new AtomicBoolean();
  private EventStream.@Nullable Subscription subscription;
  private long nextId = 1;
  private volatile boolean closed;
  private final AtomicLong encoded = new AtomicLong();

  public EventHub(int ringSize, int clientBuffer, int maxClients, Duration keepAlive) {
    this(ringSize, clientBuffer, maxClients, keepAlive, INBOX_LIMIT);
  }

  EventHub(int ringSize, int clientBuffer, int maxClients, Duration keepAlive, int inboxLimit) {
    this.inbox = new Inbox<>(inboxLimit);
    this.clientLimit = inboxLimit;
    this.ringSize = ringSize;
    this.clientBuffer = clientBuffer;
    this.maxClients = maxClients;
    this.keepAlive = keepAlive;
  }

  /** Subscribes to the scheduler's events (on its loop: a slot write each) and starts taking batches. */
  public void start(Scheduler scheduler) {
    subscription = scheduler.events().subscribe(this::handOver);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * On the scheduler's loop, for every event: a slot write (nothing once the inbox is full) and a
   * volatile read; it wakes the hub's thread only if that parked with nothing to take.
   */
  void handOver(SchedulerEvent event) {
    inbox.add(event);
    if (parked.get() && parked.compareAndSet(true, false)) {
      LockSupport.unpark(thread);
    }
  }

  /** The hub's thread: a batch, then a pause while events keep coming, or a park until the next. */
  private void run() {
    // the JSON encoder's first use loads and builds much (seconds on a starved machine): here, not in
    // the first client's writer, where it would look like a client that stopped reading
    Json.write(Map.of("type", "warm-up", "time", java.time.Instant.EPOCH));
    while (!closed) {
      if (takeBatch() > 0) {   // events are coming: let the next batch gather, woken by no one
        LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(BATCH_MILLIS));
        continue;
      }
      parked.set(true);
      if (!inbox.waiting() && !closed) {   // checked after saying so: an event added meanwhile wakes it
        LockSupport.park(this);
      }
      parked.set(false);
    }
  }

  /**
   * On the hub's thread: numbers and publishes every event handed over since the last batch; returns
   * how many it took (or lost).
   */
  int takeBatch() {
    try {
      if (inbox.overflowed()) {
        inbox.discard();
        lost();
        return 1;
      }
      batch.clear();
      inbox.drain(batch::add, INBOX_LIMIT);
      int n = batch.size();
      if (n > 0) {
        publishAll(batch);
      }
      batch.clear();
      return n;
    } catch (RuntimeException e) {
      LOG.warn("failed to publish a batch of events", e);   // the next batch is taken all the same
      batch.clear();
      return 1;
    }
  }

  /**
   * Events were dropped before the hub took them: they can be sent to no one, so every client is
   * dropped (it reconnects with its Last-Event-ID) and the ring emptied, with an id skipped, so that
   * a client resuming from before the loss is told to reload rather than miss them unawares.
   */
  private void lost() {
    synchronized (ring) {
      nextId++;
      ring.clear();
      for (Client c : clients) {
        drop(c);
      }
    }
    LOG.warn("the event stream fell {} events behind the scheduler; its clients were dropped", INBOX_LIMIT);
  }

  private void drop(Client c) {
    if (!c.dropped) {
      c.dropped = true;
      c.queue.clear();
      c.waiting.set(0);
      c.queue.offer(endBatch);
    }
  }

  /**
   * One connected client: the batches waiting for its writer (each shared by every client), how many
   * events they hold, and how far its writer got (events encoded and writes finished: the hub reads
   * that at each batch to tell a client that keeps reading from one that stopped).
   */
  private static final class Client {
    final BlockingQueue<List<Entry>> queue = new LinkedBlockingQueue<>();
    final AtomicInteger waiting = new AtomicInteger();
    volatile long progress;
    /** The progress seen at the batch before; only the hub's thread (under the ring's lock) uses it. */
    long progressSeen = -1;
    /** Batches in a row handed over with events waiting and no progress; the hub's thread's. */
    int stalledBatches;
    volatile boolean dropped;
  }

  /** Numbers an event, keeps it in the ring and hands it to every client. */
  void publish(SchedulerEvent event) {
    publishAll(List.of(event));
  }

  /** Numbers the events, keeps them in the ring and hands them to every client as one batch. */
  void publish(List<SchedulerEvent> events) {
    publishAll(events);
  }

  /**
   * Numbers each event, keeps it in the ring and hands the whole batch to every client: one lock for
   * them all. A client with more than its buffer's worth of events still waiting is dropped if its
   * writer got no further while the last {@link #STALL_BATCHES} batches came with events waiting for
   * it, or if more than {@link #clientLimit} wait.
   */
  private void publishAll(List<SchedulerEvent> events) {
    synchronized (ring) {
      Entry[] entries = new Entry[events.size()];
      for (int i = 0; i < entries.length; i++) {
        Entry entry = new Entry(nextId++, events.get(i));
        entries[i] = entry;
        ring.addLast(entry);
        if (ring.size() > ringSize) {
          ring.removeFirst();
        }
      }
      List<Entry> shared = List.of(entries);
      for (Client c : clients) {
        if (c.dropped) {
          continue;
        }
        int waiting = c.waiting.get();
        long progress = c.progress;
        if (waiting == 0 || progress != c.progressSeen) {
          c.stalledBatches = 0;   // it took all it was handed, or it goes on
        } else {
          c.stalledBatches++;
        }
        c.progressSeen = progress;
        boolean stalled = c.stalledBatches >= STALL_BATCHES;
        if (waiting > clientBuffer && (stalled || waiting > clientLimit)) {
          drop(c);
          LOG.info("dropped a slow event-stream client: {} events waited for it (its buffer holds {}){}", waiting,
              clientBuffer, stalled ? " and it got no further in the last " + STALL_BATCHES + " batches" : "");
        } else {
          c.waiting.addAndGet(shared.size());
          c.queue.offer(shared);
        }
      }
    }
  }

  /** How many events were encoded to JSON so far. */
  long encoded() {
    return encoded.get();
  }

  /** The number of clients connected now. */
  public int clients() {
    return clients.size();
  }

  /** A streamed reply of the events after {@code lastEventId} (or from now). */
  public Reply stream(Optional<String> lastEventId) {
    long after = -1;
    if (lastEventId.isPresent() && !lastEventId.get().isBlank()) {
      try {
        after = Long.parseLong(lastEventId.get().strip());
      } catch (NumberFormatException e) {
        throw ApiProblem.badField("Last-Event-ID", "expected an event id (a whole number), found '" + lastEventId.get() + "'");
      }
    }
    if (clients.size() >= maxClients) {
      throw new ApiProblem(503, "too many event-stream clients", "at most " + maxClients + " clients may follow the events");
    }
    long resumeAfter = after;
    return Reply.stream("text/event-stream; charset=utf-8", out -> serve(out, resumeAfter))
        .header("Cache-Control", "no-cache").header("X-Accel-Buffering", "no");
  }

  private void serve(OutputStream out, long after) throws IOException {
    Client client = new Client();
    List<Entry> replay;
    boolean gap;
    synchronized (ring) {
      long oldest = ring.isEmpty() ? nextId : ring.peekFirst().id;
      gap = after >= 0 && after + 1 < oldest;
      replay = after < 0 ? List.of() : ring.stream().filter(e -> e.id > after).toList();
      clients.add(client);
    }
    try {
      write(out, "retry: 2000\n\n");
      if (gap) {
        write(out, "event: reset\ndata: {\"reason\":\"events after " + after + " are no longer kept; reload the state\"}\n\n");
      }
      ByteArrayOutputStream chunk = new ByteArrayOutputStream(2 * CHUNK_BYTES);
      for (Entry e : replay) {
        chunk.write(e.text().getBytes(StandardCharsets.UTF_8));
        client.progress++;
        if (chunk.size() >= CHUNK_BYTES) {
          writeChunk(out, chunk, client);
        }
      }
      writeChunk(out, chunk, client);
      out.flush();
      List<List<Entry>> taken = new ArrayList<>();
      while (!closed) {
        List<Entry> batch = client.queue.poll(keepAlive.toMillis(), TimeUnit.MILLISECONDS);
        if (batch == null) {
          write(out, ": keep-alive\n\n");
        } else if (batch == endBatch) {
          if (client.dropped) {
            write(out, "event: dropped\ndata: {\"reason\":\"the client fell behind; reconnect with Last-Event-ID\"}\n\n");
          }
          break;
        } else {
          // everything waiting, taken at once: only what comes while it is written counts against the buffer
          taken.clear();
          taken.add(batch);
          boolean ended = false;
          for (List<Entry> more = client.queue.poll(); more != null; more = client.queue.poll()) {
            if (more == endBatch) {
              ended = true;
              break;
            }
            taken.add(more);
          }
          for (List<Entry> b : taken) {
            client.waiting.addAndGet(-b.size());
          }
          for (List<Entry> b : taken) {
            for (Entry e : b) {
              chunk.write(e.text().getBytes(StandardCharsets.UTF_8));
              client.progress++;   // encoding (a first event of a kind can be slow) is progress too
              if (chunk.size() >= CHUNK_BYTES) {
                writeChunk(out, chunk, client);
              }
            }
          }
          writeChunk(out, chunk, client);
          if (ended) {
            client.queue.offer(endBatch);
          }
        }
        out.flush();
      }
      out.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      clients.remove(client);
    }
  }

  /** Writes what the chunk holds, if anything, and counts the write as the client's progress. */
  private static void writeChunk(OutputStream out, ByteArrayOutputStream chunk, Client client) throws IOException {
    if (chunk.size() > 0) {
      chunk.writeTo(out);
      chunk.reset();
      client.progress++;   // only its writer's thread writes it
    }
  }

  private static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.UTF_8));
  }

  static String category(SchedulerEvent e) {
    if (e instanceof SchedulerEvent.TaskStateChanged || e instanceof SchedulerEvent.TaskHealthChanged
        || e instanceof SchedulerEvent.TasksPreempted) {
      return "task";
    }
    if (e instanceof SchedulerEvent.UpdateStateChanged) {
      return "update";
    }
    if (e instanceof SchedulerEvent.HostMaintenanceChanged || e instanceof SchedulerEvent.AgentLost) {
      return "host";
    }
    if (e instanceof SchedulerEvent.QuotaChanged || e instanceof SchedulerEvent.QuotaRemoved) {
      return "quota";
    }
    return "job";
  }

  static Map<String, Object> data(SchedulerEvent e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", e.getClass().getSimpleName());
    m.put("time", e.time());
    if (e instanceof SchedulerEvent.TaskStateChanged t) {
      task(m, t.task());
      m.put("from", t.from());
    } else if (e instanceof SchedulerEvent.TaskHealthChanged t) {
      task(m, t.task());
    } else if (e instanceof SchedulerEvent.UpdateStateChanged u) {
      m.put("id", u.update().id().value());
      m.put("job", u.update().job().toString());
      m.put("status", u.update().status());
      m.put("message", u.update().message());
    } else {
      Map<String, Object> fields = Json.mapper().convertValue(e, Json.mapper().getTypeFactory()
          .constructMapType(LinkedHashMap.class, String.class, Object.class));
      fields.forEach(m::putIfAbsent);
    }
    return m;
  }

  private static void task(Map<String, Object> m, ScheduledTask t) {
    m.put("taskId", t.id().value());
    m.put("job", t.job().toString());
    m.put("instance", t.instance());
    m.put("status", t.status());
    t.host().ifPresent(h -> m.put("host", h));
    m.put("ports", t.ports());
    t.healthy().ifPresent(h -> m.put("healthy", h));
    m.put("message", t.lastMessage());
  }

  @Override
  public void close() {
    closed = true;
    if (subscription != null) {
      subscription.close();
    }
    for (Client c : clients) {
      c.queue.clear();
      c.queue.offer(endBatch);
    }
    LockSupport.unpark(thread);
  }
}
