package dev.aurora.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ResourcesTest {
  @Test
  void addSubtractAndScale() {
    Resources a = Resources.builder().cpus(0.1).ramMb(100).diskMb(10).gpus(1).addPorts("http").build();
    Resources b = Resources.builder().cpus(0.2).ramMb(50).diskMb(5).addPorts("admin").build();

    Resources sum = a.add(b);
    assertThat(sum.cpus()).isEqualTo(0.3);
    assertThat(sum.ramMb()).isEqualTo(150);
    assertThat(sum.ports()).containsExactly("admin", "http");
    assertThat(sum.subtract(b)).isEqualTo(a);
    assertThat(a.scale(3).cpus()).isEqualTo(0.3);
    assertThat(a.scale(3).ramMb()).isEqualTo(300);
    assertThat(a.scale(0).isEmpty()).isFalse(); // ports stay
    assertThat(Resources.NONE.isEmpty()).isTrue();
  }

  @Test
  void subtractNeverGoesNegativeSilently() {
    Resources small = Resources.of(1, 100, 0);
    Resources big = Resources.of(2, 50, 10);
    assertThatThrownBy(() -> small.subtract(big))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("resources would go negative: cpus 1.0 - 2.0, diskMb 0 - 10");
  }

  @Test
  void fitsIn() {
    Resources agent = Resources.builder().cpus(4).ramMb(1024).diskMb(100).ports(Set.of("a", "b")).build();
    assertThat(Resources.of(4, 1024, 100).fitsIn(agent)).isTrue();
    assertThat(Resources.of(4.001, 1024, 100).fitsIn(agent)).isFalse();
    assertThat(Resources.builder().cpus(1).ramMb(1).addPorts("x", "y", "z").build().fitsIn(agent)).isFalse();
  }

  @Test
  void quotaCovers() {
    ResourceQuota q = ResourceQuota.of(2, 1000, 1000, 0);
    assertThat(q.covers(Resources.of(2, 1000, 10))).isTrue();
    assertThat(q.covers(Resources.of(2.5, 10, 10))).isFalse();
    assertThatThrownBy(() -> ResourceQuota.of(-1, 0, 0, 0)).isInstanceOf(InvalidConfigException.class);
  }
}
