package dev.aurora.mesos.internal;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/**
 * Reads a RecordIO stream ({@code <length>\n<bytes>}, repeated) as it arrives, handing each record to
 * {@code onRecord} on the HTTP client's thread, one buffer at a time (no thread blocks on the stream).
 * A malformed length ends the stream with an error: nothing after it can be framed.
 */
public final class RecordIoSubscriber implements BodySubscriber<Void> {
  /** The longest record accepted (a 10,000-agent OFFERS event is a few MiB). */
  static final long MAX_RECORD = 256L << 20;

  private final Consumer<byte[]> onRecord;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private volatile Flow.Subscription subscription;
  private long length = 0;
  private int digits = 0;
  private byte[] record;
  private int filled;

  public RecordIoSubscriber(Consumer<byte[]> onRecord) {
    this.onRecord = onRecord;
  }

  @Override
  public CompletionStage<Void> getBody() {
    return done;
  }

  @Override
  public void onSubscribe(Flow.Subscription s) {
    this.subscription = s;
    if (done.isDone()) {
      // cancelled before the body began: drop the connection instead of leaving it open, unread
      s.cancel();
      return;
    }
    s.request(1);
  }

  /** Stops reading; the stream is dropped. */
  public void cancel() {
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
    done.completeExceptionally(new java.util.concurrent.CancellationException("stream closed by the scheduler"));
  }

  @Override
  public void onNext(List<ByteBuffer> buffers) {
    try {
      for (ByteBuffer b : buffers) {
        consume(b);
      }
    } catch (RuntimeException e) {
      Flow.Subscription s = subscription;
      if (s != null) {
        s.cancel();
      }
      done.completeExceptionally(e);
      return;
    }
    if (!done.isDone()) {
      subscription.request(1);
    }
  }

  private void consume(ByteBuffer b) {
    while (b.hasRemaining() && !done.isDone()) {
      if (record == null) {
        byte c = b.get();
        if (c == '\n') {
          if (digits == 0) {
            throw new IllegalStateException("RecordIO: empty length");
          }
          record = new byte[(int) length];
          filled = 0;
          length = 0;
          digits = 0;
          if (record.length == 0) {
            deliver();
          }
        } else if (c >= '0' && c <= '9') {
          length = length * 10 + (c - '0');
          digits++;
          if (length > MAX_RECORD) {
            throw new IllegalStateException("RecordIO: record longer than " + MAX_RECORD + " bytes");
          }
        } else {
          throw new IllegalStateException("RecordIO: unexpected byte " + (c & 0xff) + " in a record length");
        }
      } else {
        int n = Math.min(b.remaining(), record.length - filled);
        b.get(record, filled, n);
        filled += n;
        if (filled == record.length) {
          deliver();
        }
      }
    }
  }

  private void deliver() {
    byte[] r = record;
    record = null;
    onRecord.accept(r);
  }

  @Override
  public void onError(Throwable throwable) {
    done.completeExceptionally(throwable);
  }

  @Override
  public void onComplete() {
    if (record != null || digits > 0) {
      done.completeExceptionally(new IllegalStateException("RecordIO: stream ended inside a record"));
    } else {
      done.complete(null);
    }
  }

  /** Frames {@code message} as one RecordIO record. */
  public static byte[] frame(byte[] message) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + 12);
    out.writeBytes((message.length + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    out.writeBytes(message);
    return out.toByteArray();
  }
}
