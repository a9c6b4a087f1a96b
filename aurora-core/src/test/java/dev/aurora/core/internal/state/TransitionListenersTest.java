package dev.aurora.core.internal.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.core.ScheduledTask;
import dev.aurora.core.internal.CoreListener;
import dev.aurora.core.internal.placement.AgentPool;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Transitions reach every listener that hears them, in order, also listeners added after the first. */
class TransitionListenersTest {
  private final SchedulerState state = new SchedulerState(new AgentPool());
  private final List<String> heard = new ArrayList<>();

  private CoreListener hearing(String name) {
    return new CoreListener() {
      @Override
      public void onTransition(ScheduledTask before, ScheduledTask after) {
        heard.add(name);
      }
    };
  }

  @Test
  void everyListenerThatOverridesOnTransitionIsToldInOrderAndOnesAddedLaterToo() {
    state.listeners().add(hearing("a"));
    state.listeners().add(new CoreListener() { }); // hears nothing: skipped
    state.listeners().add(hearing("b"));
    state.notifyTransition(null, null);
    assertThat(heard).containsExactly("a", "b");

    heard.clear();
    state.listeners().add(hearing("c")); // added after the first transition
    state.notifyTransition(null, null);
    assertThat(heard).containsExactly("a", "b", "c");
  }
}
