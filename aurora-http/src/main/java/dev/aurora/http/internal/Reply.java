package dev.aurora.http.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** What a route answers: a whole body, or a stream written until it ends. */
public record Reply(int status, String contentType, byte[] body, Map<String, String> headers, @Nullable Streamer stream) {

  /** Writes a streamed body. */
  public interface Streamer {
    void write(OutputStream out) throws IOException;
  }

  public static Reply bytes(int status, String contentType, byte[] body) {
    return new Reply(status, contentType, body, new LinkedHashMap<>(), null);
  }

  public static Reply noContent() {
    return bytes(204, "", new byte[0]);
  }

  public static Reply stream(String contentType, Streamer streamer) {
    return new Reply(200, contentType, new byte[0], new LinkedHashMap<>(), streamer);
  }

  public Reply header(String name, String value) {
    headers.put(name, value);
    return this;
  }
}
