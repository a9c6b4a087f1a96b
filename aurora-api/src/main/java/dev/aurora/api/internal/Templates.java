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
 * {@code {{task_id}}}) stay in the built config and are resolved per task at launch by the public
 * {@link dev.aurora.api.TaskVariables}.
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
}
