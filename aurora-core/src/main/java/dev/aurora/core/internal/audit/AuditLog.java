package dev.aurora.core.internal.audit;

import dev.aurora.core.AuditEntry;
import dev.aurora.core.Op;
import dev.aurora.core.internal.Core;
import dev.aurora.core.internal.CoreListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The audit trail: the newest {@code retention} entries, each stored as an {@link Op.SaveAuditEntry}
 * with the transaction of the call it records, recovered from the log and written into snapshots.
 * Owned by the state loop.
 */
public final class AuditLog implements CoreListener {
  private final Core core;
  private final int retention;
  private final ArrayDeque<AuditEntry> entries = new ArrayDeque<>();
  private final java.util.Map<AuditEntry.Result, Counter> counters = new java.util.EnumMap<>(AuditEntry.Result.class);

  /** A trail keeping the newest {@code retention} entries. */
  public AuditLog(Core core, int retention, MeterRegistry registry) {
    this.core = core;
    this.retention = retention;
    for (AuditEntry.Result r : AuditEntry.Result.values()) {
      counters.put(r, Counter.builder("aurora.audit.entries").description("mutating calls audited, by result")
          .tag("result", r.name()).register(registry));
    }
  }

  /** Records an entry in the current transaction. */
  public void record(AuditEntry entry) {
    counters.get(entry.result()).increment();
    if (retention == 0) {
      return;
    }
    add(entry);
    core.store(new Op.SaveAuditEntry(entry));
  }

  /** The entries kept, oldest first. */
  public List<AuditEntry> entries() {
    return List.copyOf(entries);
  }

  private void add(AuditEntry entry) {
    entries.addLast(entry);
    while (entries.size() > retention) {
      entries.removeFirst();
    }
  }

  @Override
  public boolean replay(Op op) {
    if (op instanceof Op.SaveAuditEntry e) {
      if (retention > 0) {
        add(e.entry());
      }
      return true;
    }
    return false;
  }

  @Override
  public void snapshot(List<Op> out) {
    for (AuditEntry e : entries) {
      out.add(new Op.SaveAuditEntry(e));
    }
  }
}
