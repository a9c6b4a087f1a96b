package dev.aurora.core.internal.backend;

import dev.aurora.core.Op;
import dev.aurora.core.internal.CoreListener;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The backend's own durable properties ({@link Op.SaveBackendProperties}): recovered from storage,
 * changed on the state loop, written whole into each snapshot, and read from any thread as an
 * immutable map.
 */
final class BackendProperties implements CoreListener {
  private volatile Map<String, String> properties = Map.of();

  /** The properties as last recovered or stored (immutable; readable from any thread). */
  Map<String, String> get() {
    return properties;
  }

  /** Applies a change (on the state loop; the caller stores the op). */
  void apply(Op.SaveBackendProperties op) {
    Map<String, String> next = new TreeMap<>(properties);
    next.putAll(op.properties());
    properties = Collections.unmodifiableMap(next);
  }

  @Override
  public boolean replay(Op op) {
    if (op instanceof Op.SaveBackendProperties p) {
      apply(p);
      return true;
    }
    return false;
  }

  @Override
  public void snapshot(List<Op> out) {
    if (!properties.isEmpty()) {
      out.add(new Op.SaveBackendProperties(properties));
    }
  }
}
