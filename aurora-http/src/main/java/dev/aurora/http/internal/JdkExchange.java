package dev.aurora.http.internal;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The JDK HttpServer's exchange as an {@link Exchange}. */
public final class JdkExchange implements Exchange {
  private final HttpExchange ex;

  public JdkExchange(HttpExchange ex) {
    this.ex = ex;
  }

  @Override
  public String method() {
    return ex.getRequestMethod().toUpperCase();
  }

  @Override
  public String rawPath() {
    String p = ex.getRequestURI().getRawPath();
    return p == null || p.isEmpty() ? "/" : p;
  }

  @Override
  public @Nullable String rawQuery() {
    return ex.getRequestURI().getRawQuery();
  }

  @Override
  public Optional<String> header(String name) {
    return Optional.ofNullable(ex.getRequestHeaders().getFirst(name));
  }

  @Override
  public String remoteAddress() {
    return ex.getRemoteAddress() == null ? "" : ex.getRemoteAddress().getAddress().getHostAddress();
  }

  @Override
  public InputStream body() {
    return ex.getRequestBody();
  }

  @Override
  public void responseHeader(String name, String value) {
    ex.getResponseHeaders().set(name, value);
  }

  @Override
  public OutputStream send(int status, long length) throws IOException {
    ex.sendResponseHeaders(status, length == 0 ? -1 : length < 0 ? 0 : length);
    return ex.getResponseBody();
  }
}
