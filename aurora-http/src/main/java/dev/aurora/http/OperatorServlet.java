package dev.aurora.http;

import dev.aurora.http.internal.ServletExchange;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Objects;

/**
 * Mounts an {@link OperatorHandler} in a host application's Jakarta Servlet container (Servlet 6;
 * the servlet API is a {@code provided} dependency: the container brings it). Paths are relative to
 * the servlet's mapping, so mapped at {@code /aurora/*} the API is at {@code /aurora/api/v1/...} and
 * the UI at {@code /aurora/ui/}.
 *
 * <pre>{@code
 * context.addServlet(new ServletHolder(new OperatorServlet(handler)), "/aurora/*");   // Jetty
 * }</pre>
 *
 * <p>Read timeouts and TLS are the container's.
 */
public final class OperatorServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private final transient OperatorHandler handler;

  /** A servlet answering with {@code handler}. */
  public OperatorServlet(OperatorHandler handler) {
    this.handler = Objects.requireNonNull(handler, "handler");
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse resp) {
    handler.handle(new ServletExchange(req, resp));
  }
}
