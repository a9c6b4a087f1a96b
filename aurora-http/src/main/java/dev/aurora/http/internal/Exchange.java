package dev.aurora.http.internal;

import dev.aurora.http.Authenticator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.jspecify.annotations.Nullable;

/**
 * One request and its response, independent of the server: the JDK's HttpServer and a servlet
 * container each adapt theirs to this.
 */
public interface Exchange extends Authenticator.Request {
  /** The request method, upper case. */
  String method();

  /** The request path, not decoded. */
  String rawPath();

  /** The query string, not decoded; null if none. */
  @Nullable String rawQuery();

  /** The request body. */
  InputStream body() throws IOException;

  /** Sets a response header; before {@link #send}. */
  void responseHeader(String name, String value);

  /**
   * Sends the status and headers. {@code length} is the body's length: 0 for no body, -1 for a body
   * streamed until the stream is closed. Returns the body's stream; closing it ends the exchange.
   */
  OutputStream send(int status, long length) throws IOException;
}
