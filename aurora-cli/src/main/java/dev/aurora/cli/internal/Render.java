package dev.aurora.cli.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Readable output: aligned tables, key/value lines, and the JSON form for {@code --json}. */
public final class Render {
  private Render() {}

  /** The value as pretty JSON. */
  public static String json(JsonNode node) {
    try {
      return Api.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first of {@code fields} the object has, as text; "" when none. */
  public static String text(JsonNode node, String... fields) {
    for (String f : fields) {
      JsonNode v = node.get(f);
      if (v != null && !v.isNull() && !v.isMissingNode()) {
        return scalar(v);
      }
    }
    return "";
  }

  /** A value in one cell: scalars as text, objects as {@code k=v k=v}, arrays joined with commas. */
  public static String scalar(JsonNode v) {
    if (v == null || v.isNull() || v.isMissingNode()) {
      return "";
    }
    if (v.isValueNode()) {
      return v.asText();
    }
    List<String> parts = new ArrayList<>();
    if (v.isArray()) {
      v.forEach(e -> parts.add(scalar(e)));
      return String.join(",", parts);
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      parts.add(e.getKey() + "=" + scalar(e.getValue()));
    }
    return String.join(" ", parts);
  }

  /** A table: one column per header, each row's cells given by the functions. */
  public static void table(PrintStream out, JsonNode rows, List<String> headers, List<Function<JsonNode, String>> cells) {
    List<List<String>> lines = new ArrayList<>();
    lines.add(headers);
    for (JsonNode row : rows) {
      List<String> line = new ArrayList<>();
      for (Function<JsonNode, String> cell : cells) {
        line.add(cell.apply(row));
      }
      lines.add(line);
    }
    print(out, lines);
  }

  /** A table of the rows' fields: the given columns first (when present), then every other scalar field. */
  public static void table(PrintStream out, JsonNode rows, String... preferred) {
    Set<String> columns = new LinkedHashSet<>();
    Set<String> seen = new LinkedHashSet<>();
    for (JsonNode row : rows) {
      row.fieldNames().forEachRemaining(seen::add);
    }
    for (String p : preferred) {
      if (seen.contains(p)) {
        columns.add(p);
      }
    }
    if (columns.isEmpty()) {
      for (JsonNode row : rows) {
        row.fields().forEachRemaining(e -> {
          if (e.getValue().isValueNode()) {
            columns.add(e.getKey());
          }
        });
      }
    }
    List<String> headers = columns.stream().map(Render::header).toList();
    List<Function<JsonNode, String>> cells = columns.stream().<Function<JsonNode, String>>map(c -> r -> scalar(r.get(c))).toList();
    table(out, rows, headers, cells);
  }

  /** {@code ramMb} as {@code RAM MB}; {@code taskId} as {@code TASK ID}. */
  static String header(String field) {
    return field.replaceAll("([a-z])([A-Z])", "$1 $2").toUpperCase(java.util.Locale.ROOT);
  }

  private static void print(PrintStream out, List<List<String>> lines) {
    int columns = lines.get(0).size();
    int[] width = new int[columns];
    for (List<String> line : lines) {
      for (int i = 0; i < columns; i++) {
        width[i] = Math.max(width[i], line.get(i).length());
      }
    }
    for (List<String> line : lines) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < columns; i++) {
        sb.append(line.get(i));
        if (i < columns - 1) {
          sb.append(" ".repeat(width[i] - line.get(i).length() + 2));
        }
      }
      out.println(sb.toString().stripTrailing());
    }
  }

  /** {@code key: value} lines for an object's fields; nested objects compact. */
  public static void fields(PrintStream out, JsonNode object) {
    int w = 0;
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      w = Math.max(w, it.next().length());
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      out.println(e.getKey() + ":" + " ".repeat(w - e.getKey().length() + 1) + scalar(e.getValue()));
    }
  }

  /** A progress bar of {@code width} cells for done out of total. */
  public static String bar(int done, int total, int width) {
    int filled = total <= 0 ? width : (int) Math.round((double) width * done / total);
    filled = Math.max(0, Math.min(width, filled));
    return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
  }
}
