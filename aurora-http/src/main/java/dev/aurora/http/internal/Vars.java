package dev.aurora.http.internal;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Measurement;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Every meter of a registry as JSON: {"name{tag=value}": {statistic: value}} or a plain number. */
public final class Vars {
  private Vars() {}

  public static Map<String, Object> of(MeterRegistry registry) {
    Map<String, Object> out = new TreeMap<>();
    for (Meter m : registry.getMeters()) {
      String tags = m.getId().getTags().stream().map(t -> t.getKey() + "=" + t.getValue()).collect(Collectors.joining(","));
      String name = m.getId().getName() + (tags.isEmpty() ? "" : "{" + tags + "}");
      Map<String, Double> values = new TreeMap<>();
      for (Measurement x : m.measure()) {
        double v = x.getValue();
        values.put(x.getStatistic().getTagValueRepresentation(), Double.isFinite(v) ? v : 0.0);
      }
      out.put(name, values.size() == 1 ? values.values().iterator().next() : values);
    }
    return out;
  }

}
