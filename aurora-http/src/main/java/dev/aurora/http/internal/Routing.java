package dev.aurora.http.internal;

import dev.aurora.api.Principal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/** Finds the route of a request: 404 for no path, 405 (with the allowed methods) for a wrong method. */
public final class Routing {
  /** A route and its path parameters. */
  public record Match(Route route, Map<String, String> params) {}

  private final List<Route> routes;

  public Routing(List<Route> routes) {
    this.routes = List.copyOf(routes);
  }

  public List<Route> routes() {
    return routes;
  }

  public Match match(String method, String rawPath) {
    String[] path = split(rawPath);
    boolean pathKnown = false;
    for (Route r : routes) {
      Map<String, String> params = r.match(path);
      if (params != null) {
        pathKnown = true;
        if (r.method().equals(method)) {
          return new Match(r, params);
        }
      }
    }
    if (pathKnown) {
      throw new ApiProblem(405, "method not allowed", method + " is not allowed on " + rawPath
          + "; allowed: " + allowed(rawPath).orElse(""));
    }
    throw ApiProblem.notFound("no such resource " + rawPath);
  }

  /** The methods allowed on a path, comma-separated. */
  public Optional<String> allowed(String rawPath) {
    String[] path = split(rawPath);
    TreeSet<String> methods = new TreeSet<>();
    for (Route r : routes) {
      if (r.match(path) != null) {
        methods.add(r.method());
      }
    }
    return methods.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", methods));
  }

  private static String[] split(String rawPath) {
    String p = rawPath.endsWith("/") && rawPath.length() > 1 ? rawPath.substring(0, rawPath.length() - 1) : rawPath;
    return p.substring(1).split("/", -1);
  }

  public Call call(Exchange ex, Match m, Principal principal, byte[] body) {
    return new Call(ex, m.params(), principal, body);
  }

}
