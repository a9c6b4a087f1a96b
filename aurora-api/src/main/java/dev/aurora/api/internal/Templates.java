package dev.aurora.api.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolution of {@code {{name}}} template variables. Not public API: use {@code JobTemplate}.
 *
 * <p>Two kinds of variable exist. Bindings ({@code {{version}}}, {@code {{profile.version}}}) are
 * resolved when a template is built. Task variables ({@code {{port.NAME}}}, {@code {{instance}}},
 * {@code {{task_id}}}) stay in the built config and are resolved per task at launch by {@link
 * #resolveTaskVariables}.
 */
public final class Templates {
  /** A variable reference: two braces, a name of {@code [A-Za-z0-9_.-]}, two braces. */
  public static final Pattern VARIABLE = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_.-]+)\\s*}}");

  private static final String PORT_PREFIX = "port.";

  private Templates() {}

  /** Whether {@code name} is resolved per task at launch rather than when a template is built. */
  public static boolean isTaskVariable(String name) {
    return name.startsWith(PORT_PREFIX) || name.equals("instance") || name.equals("task_id");
  }

  /** For {@code port.http} returns {@code http}; otherwise null. */
  public static String portName(String variable) {
    return variable.startsWith(PORT_PREFIX) ? variable.substring(PORT_PREFIX.length()) : null;
  }

  /** The names of the variables {@code text} refers to, in order. */
  public static List<String> variables(String text) {
    List<String> names = new ArrayList<>();
    if (text != null && text.contains("{{")) {
      Matcher m = VARIABLE.matcher(text);
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /**
   * Replaces each bound variable in {@code text} by its binding, resolving bindings that refer to
   * other bindings. Task variables and unbound variables are left as they are (validation reports the
   * unbound ones). A cycle among bindings is added to {@code problems} with {@code path}.
   */
  public static String resolveBindings(
      String text, Map<String, String> bindings, String path, List<String> problems) {
    if (text == null || !text.contains("{{")) {
      return text;
    }
    return resolve(text, bindings, path, problems, new ArrayDeque<>());
  }

  private static String resolve(
      String text, Map<String, String> bindings, String path, List<String> problems, Deque<String> stack) {
    Matcher m = VARIABLE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1);
      String value = bindings.get(name);
      String replacement;
      if (value == null || isTaskVariable(name)) {
        replacement = m.group();
      } else if (stack.contains(name)) {
        List<String> cycle = new ArrayList<>(stack);
        java.util.Collections.reverse(cycle);
        cycle = cycle.subList(cycle.indexOf(name), cycle.size());
        StringBuilder c = new StringBuilder();
        for (String n : cycle) {
          c.append("{{").append(n).append("}} -> ");
        }
        c.append("{{").append(name).append("}}");
        problems.add(path + ": cyclic template binding " + c);
        replacement = m.group();
      } else {
        stack.push(name);
        replacement = resolve(value, bindings, path, problems, stack);
        stack.pop();
      }
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  /**
   * Resolves the task variables of a built config for one task: {@code {{instance}}}, {@code
   * {{task_id}}} and {@code {{port.NAME}}} ({@code ports} maps a port name to its number, or returns
   * -1 if there is none). Anything else is left as it is.
   */
  public static String resolveTaskVariables(
      String text, int instance, String taskId, PortLookup ports) {
    if (text == null) {
      return null;
    }
    int open = text.indexOf("{{");
    if (open < 0) {
      return text;
    }
    // a scan rather than VARIABLE's matcher: this runs for every launch
    StringBuilder out = null;
    int copied = 0;
    while (open >= 0) {
      int close = text.indexOf("}}", open + 2);
      if (close < 0) {
        break;
      }
      int from = open + 2;
      int to = close;
      while (from < to && Character.isWhitespace(text.charAt(from))) {
        from++;
      }
      while (to > from && Character.isWhitespace(text.charAt(to - 1))) {
        to--;
      }
      String replacement = isName(text, from, to) ? taskVariable(text.substring(from, to), instance, taskId, ports) : null;
      if (replacement == null) {
        open = text.indexOf("{{", open + 1); // not a task variable: left as it is
        continue;
      }
      if (out == null) {
        out = new StringBuilder(text.length() + 16);
      }
      out.append(text, copied, open).append(replacement);
      copied = close + 2;
      open = text.indexOf("{{", copied);
    }
    return out == null ? text : out.append(text, copied, text.length()).toString();
  }

  private static boolean isName(String text, int from, int to) {
    if (from >= to) {
      return false;
    }
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
          || c == '-')) {
        return false;
      }
    }
    return true;
  }

  /** The value of task variable {@code name}, or null if it is none (or names a port the task lacks). */
  private static String taskVariable(String name, int instance, String taskId, PortLookup ports) {
    if (name.equals("instance")) {
      return Integer.toString(instance);
    } else if (name.equals("task_id")) {
      return taskId;
    } else if (name.startsWith(PORT_PREFIX)) {
      int port = ports.portFor(name.substring(PORT_PREFIX.length()));
      return port >= 0 ? Integer.toString(port) : null;
    }
    return null;
  }

  /** Looks up a task's port number by port name; -1 when the task has no such port. */
  @FunctionalInterface
  public interface PortLookup {
    /** The port number for {@code name}, or -1. */
    int portFor(String name);
  }
}
