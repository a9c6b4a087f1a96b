package dev.aurora.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClassPreloadTest {
  /** A renamed or removed class would silently drop out of the preload (and back into the first call). */
  @Test
  void everyClassPreloadedAtStartStillExists() {
    List<String> missing = new ArrayList<>();
    for (String name : ClassPreload.NAMES) {
      try {
        Class.forName(name, false, ClassPreload.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        missing.add(name);
      }
    }
    assertEquals(List.of(), missing);
  }
}
