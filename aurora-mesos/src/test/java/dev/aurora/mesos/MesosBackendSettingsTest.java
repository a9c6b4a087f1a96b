package dev.aurora.mesos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MesosBackendSettingsTest {
  @TempDir
  Path dir;

  @Test
  void badSettingsAreAllNamedAtOnce() {
    assertThatThrownBy(() -> MesosBackend.builder().frameworkName(" ").missedHeartbeats(0)
        .backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("masters: required")
        .hasMessageContaining("frameworkName").hasMessageContaining("missedHeartbeats").hasMessageContaining("backoff");
  }

  @Test
  void theFileStoreKeepsTheFrameworkIdAcrossRestarts() {
    Path file = dir.resolve("state/framework-id");
    assertThat(FrameworkIdStore.file(file).load()).isEmpty();
    FrameworkIdStore.file(file).save("fw-42");
    assertThat(FrameworkIdStore.file(file).load()).contains("fw-42");
  }

  @Test
  void mastersAreParsedFromHostPortsOrUris() {
    assertThat(MasterDetector.parse("m1:5050, https://m2:5050").masters())
        .containsExactly(URI.create("http://m1:5050"), URI.create("https://m2:5050"));
    assertThatThrownBy(() -> MasterDetector.parse(" , ")).hasMessageContaining("no master");
  }
}
