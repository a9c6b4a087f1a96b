package dev.aurora.http.internal;

import java.util.List;

/** An error answered as RFC 9457 problem JSON. */
public final class ApiProblem extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** One field's problem. */
  public record FieldProblem(String field, String message) {}

  private final int status;
  private final String title;
  private final List<FieldProblem> errors;

  /** A problem with field-level details. */
  public ApiProblem(int status, String title, String detail, List<FieldProblem> errors) {
    super(detail, null, false, false);
    this.status = status;
    this.title = title;
    this.errors = List.copyOf(errors);
  }

  /** A problem without field-level details. */
  public ApiProblem(int status, String title, String detail) {
    this(status, title, detail, List.of());
  }

  /** A 400 about one field. */
  public static ApiProblem badField(String field, String message) {
    return new ApiProblem(400, "invalid request", field + ": " + message, List.of(new FieldProblem(field, message)));
  }

  /** A 404. */
  public static ApiProblem notFound(String detail) {
    return new ApiProblem(404, "not found", detail);
  }

  public int status() {
    return status;
  }

  public String title() {
    return title;
  }

  public List<FieldProblem> errors() {
    return errors;
  }
}
