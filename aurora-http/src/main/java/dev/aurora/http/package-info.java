/**
 * The operator's surface of an embedded scheduler: a JSON API under {@code /api/v1}, a Server-Sent
 * Events stream, a web UI served from the jar, {@code /health}, {@code /leaderhealth},
 * {@code /metrics} (Prometheus text) and {@code /vars}.
 *
 * <p>Start it with {@link dev.aurora.http.OperatorServer#builder()} (the JDK's built-in HTTP server),
 * or mount an {@link dev.aurora.http.OperatorHandler} in your own servlet container with
 * {@link dev.aurora.http.OperatorServlet}. It calls only the public {@code Scheduler} API and never
 * reaches into core internals.
 */
package dev.aurora.http;
