package dev.aurora.api;

/**
 * Resolves the task variables of a built {@link JobConfig} for one task, as a backend does when it
 * launches the task.
 *
 * <p>A built config keeps three kinds of variable as written, because their values are known only
 * per task (see the configuration reference, "Templates"):
 *
 * <ul>
 *   <li>{@code {{instance}}} resolves to the task's instance number ({@code 3});
 *   <li>{@code {{task_id}}} resolves to the task's id ({@link TaskId#value()});
 *   <li>{@code {{port.NAME}}} resolves to the port number assigned to the task's port {@code NAME}.
 * </ul>
 *
 * <p>Spaces inside the braces are allowed ({@code {{ instance }}}). Anything else is left as it is:
 * other variables (a config's bindings are resolved when it is built), a port the task has not been
 * assigned, and text that is not a variable. The scheduler already hands a backend processes and a
 * health check with their task variables resolved ({@code TaskLaunch}); a backend needs this class
 * only for text it resolves itself, such as when it assigns ports of its own.
 */
public final class TaskVariables {
  private static final String PORT_PREFIX = "port.";

  private TaskVariables() {}

  /**
   * Resolves {@code {{instance}}}, {@code {{task_id}}} and {@code {{port.NAME}}} in {@code text} for
   * one task. Returns {@code text} itself (no copy) when it holds no task variable, and null for null.
   *
   * @param text the text to resolve, such as a process command; may be null
   * @param instance the task's instance number
   * @param taskId the task's id, as {@link TaskId#value()}
   * @param ports the task's port numbers by port name
   * @return the resolved text
   */
  public static String resolve(String text, int instance, String taskId, PortLookup ports) {
    if (text == null || text.indexOf("{{") < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    int[] copied = {0};
    scan(text, (name, open, end) -> {
      String replacement = taskVariable(name, instance, taskId, ports);
      if (replacement == null) {
        return false;
      }
      out.append(text, copied[0], open).append(replacement);
      copied[0] = end;
      return true;
    });
    return copied[0] == 0 ? text : out.append(text, copied[0], text.length()).toString();
  }

  /**
   * Walks the places in {@code text} that may hold a task variable, as {@link #resolve} does, for a
   * caller that splits a text once and fills it in for many tasks: for each {@code {{ name }}} in order
   * whose name (spaces around it trimmed) is made of letters, digits, {@code _}, {@code .} and
   * {@code -}, it asks {@code candidate} whether that name is a variable. If it is, the scan goes on
   * after the closing braces; if not, the text is left as it is and the scan goes on from the next
   * pair of opening braces. Nothing is called for a text without variables, nor for null.
   *
   * @param text the text to scan, such as a process command; may be null
   * @param candidate told each candidate's name and place; answers whether it is a variable
   */
  public static void scan(String text, Candidate candidate) {
    if (text == null) {
      return;
    }
    // a scan rather than a regular expression: this runs for every launch
    int open = text.indexOf("{{");
    while (open >= 0) {
      int close = text.indexOf("}}", open + 2);
      if (close < 0) {
        return;
      }
      int from = open + 2;
      int to = close;
      while (from < to && Character.isWhitespace(text.charAt(from))) {
        from++;
      }
      while (to > from && Character.isWhitespace(text.charAt(to - 1))) {
        to--;
      }
      if (isName(text, from, to) && candidate.isVariable(text.substring(from, to), open, close + 2)) {
        open = text.indexOf("{{", close + 2);
      } else {
        open = text.indexOf("{{", open + 1); // not a task variable: left as it is
      }
    }
  }

  /** One place {@link #scan} found that may hold a task variable. */
  @FunctionalInterface
  public interface Candidate {
    /**
     * Whether {@code name} is a task variable here.
     *
     * @param name the name between the braces, spaces around it trimmed ({@code instance},
     *     {@code task_id}, {@code port.http}, or any other name)
     * @param open the index in the text of the opening braces
     * @param end the index in the text just after the closing braces
     * @return true if it is a variable (the scan goes on after it), false to leave it as text
     */
    boolean isVariable(String name, int open, int end);
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

  /** Looks up a task's port number by port name. */
  @FunctionalInterface
  public interface PortLookup {
    /**
     * The port number assigned to the task's port {@code name}.
     *
     * @param name a port name, as in {@code {{port.NAME}}}
     * @return the port number, or -1 if the task has no such port
     */
    int portFor(String name);
  }
}
