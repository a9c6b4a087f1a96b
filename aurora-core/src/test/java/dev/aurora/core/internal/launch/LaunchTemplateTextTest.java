package dev.aurora.core.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.TaskVariables;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A text split once for a job's launches resolves, for every task, to exactly what {@link
 * TaskVariables#resolve} makes of it: the same variables, the same text left as it is.
 */
class LaunchTemplateTextTest {
  static final String[] PORTS = {"admin-ui", "http"};

  static String resolved(String text, int instance, String id, int[] ports) {
    return TaskVariables.resolve(text, instance, id, name -> {
      for (int i = 0; i < PORTS.length; i++) {
        if (PORTS[i].equals(name)) {
          return ports[i];
        }
      }
      return -1;
    });
  }

  @Test
  void aSplitTextResolvesAsTaskVariablesDoesForEveryTask() {
    List<String> texts = List.of("./serve --port {{port.http}}", "{{instance}}", "{{task_id}}{{instance}}",
        "a {{ instance }} b {{\ttask_id }} c", "{{port.admin-ui}}:{{port.http}}", "{{port.nope}} {{port.http}}",
        "{{port.}} {{port}} {{}} {{ }}", "{{not a name}} {{instance}}", "{{{{instance}}}}", "{{instance",
        "instance}} {{instance}", "{{x}}{{instance}}{{y}}", "{{ {{instance}} }}", "tail {{instance}}}",
        "{{bind_me}} only", "no variables", "", "{{port.http}}{{port.http}}", "{{PORT.http}} {{Instance}}",
        "{{port.http.x}} {{task-id}}");
    int[][] ports = {{31000, 31001}, {8, 32999}};
    for (String text : texts) {
      LaunchTemplate.Text t = LaunchTemplate.Text.of(text, PORTS);
      for (int instance : new int[] {0, 7, 1234}) {
        for (int[] p : ports) {
          String id = "www-data-prod-hello-" + instance + "-abc";
          String want = resolved(text, instance, id, p);
          String got = t == null ? text
              : t.render(Integer.toString(instance), id, new String[] {Integer.toString(p[0]), Integer.toString(p[1])});
          assertThat(got).as(text).isEqualTo(want);
        }
      }
      if (t == null) {
        // no task variable: resolving gives the text back as it is
        assertThat(resolved(text, 3, "id", new int[] {1, 2})).as(text).isSameAs(text);
      }
    }
  }
}
