package dev.aurora.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskVariablesTest {
  private static final Map<String, Integer> PORTS = Map.of("http", 31005, "admin", 31006);

  private static String resolve(String text) {
    return TaskVariables.resolve(text, 3, "www/prod/hello-3-abc", n -> PORTS.getOrDefault(n, -1));
  }

  @Test
  void replacesInstanceTaskIdAndPorts() {
    assertThat(resolve("./server --port {{port.http}} --admin {{ port.admin }} --shard {{instance}}"))
        .isEqualTo("./server --port 31005 --admin 31006 --shard 3");
    assertThat(resolve("log-{{task_id}}.txt")).isEqualTo("log-www/prod/hello-3-abc.txt");
  }

  @Test
  void leavesEverythingElseAsItIs() {
    String text = "echo {{version}} {{port.missing}} {{ not a name }} {{ }} {{port.http";
    assertThat(resolve(text)).isSameAs(text);
    assertThat(resolve("no variables")).isEqualTo("no variables");
    assertThat(resolve(null)).isNull();
  }

  @Test
  void findsAVariableAfterStrayBraces() {
    assertThat(resolve("{{{instance}}}")).isEqualTo("{3}");
    assertThat(resolve("{{a b}} {{instance}}")).isEqualTo("{{a b}} 3");
    assertThat(resolve("${{instance}}$")).isEqualTo("$3$");
  }

  @Test
  void scanOffersEachCandidateWithItsPlaceAndSkipsThoseTheCallerRefuses() {
    String text = "a {{ instance }} {{not a name}} {{port.http}}{{x}}";
    List<String> seen = new ArrayList<>();
    TaskVariables.scan(text, (name, open, end) -> {
      seen.add(name + "@" + open + "-" + end);
      return !name.equals("x");
    });
    assertThat(seen).containsExactly("instance@2-16", "port.http@32-45", "x@45-50");
    List<String> none = new ArrayList<>();
    TaskVariables.scan("no variables", (name, open, end) -> none.add(name));
    TaskVariables.scan(null, (name, open, end) -> none.add(name));
    assertThat(none).isEmpty();
  }
}
