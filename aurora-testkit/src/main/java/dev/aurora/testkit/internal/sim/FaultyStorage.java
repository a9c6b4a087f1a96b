package dev.aurora.testkit.internal.sim;

import dev.aurora.core.Op;
import dev.aurora.core.Storage;
import dev.aurora.core.StorageException;
import java.util.List;

/**
 * Storage that fails the k-th append from when it is armed: either before writing anything ({@code
 * tear == false}), or after writing it whole without acknowledging it ({@code tear == true}: the
 * write reached the disk but the process died before it returned, so the ops may or may not be
 * recovered and the scheduler must not have told anyone they were). {@code close()} does nothing: the
 * storage outlives each scheduler, as a directory outlives a process.
 */
public final class FaultyStorage implements Storage {
  private final Storage inner;
  private int countdown;
  private boolean tear;
  private boolean tripped;
  private long appends;
  private int hookCountdown;
  private Runnable hook;

  public FaultyStorage(Storage inner) {
    this.inner = inner;
  }

  /** Fails the {@code k}-th append from now (1 = the next one). */
  public void arm(int k, boolean tear) {
    this.countdown = k;
    this.tear = tear;
  }

  /**
   * Runs {@code then} right after the {@code k}-th append from now is written and acknowledged (1 = the
   * next one), inside that append: a leader's session lost just as its write went through.
   */
  public void afterAppend(int k, Runnable then) {
    this.hookCountdown = k;
    this.hook = then;
  }

  /** Disarms a pending failure and a pending {@link #afterAppend} hook. */
  public void disarm() {
    countdown = 0;
    hookCountdown = 0;
    hook = null;
  }

  /** Whether an armed failure fired since the last {@link #reset()}. */
  public boolean tripped() {
    return tripped;
  }

  public void reset() {
    tripped = false;
  }

  /** Appends so far, failed ones included. */
  public long appends() {
    return appends;
  }

  @Override
  public Stored recover() {
    return inner.recover();
  }

  @Override
  public void append(List<Op> ops) {
    appends++;
    if (countdown > 0 && --countdown == 0) {
      tripped = true;
      if (tear) {
        inner.append(ops);
        throw new StorageException("simulated crash: the append was written but never acknowledged");
      }
      throw new StorageException("simulated crash: the append failed before anything was written");
    }
    inner.append(ops);
    if (hookCountdown > 0 && --hookCountdown == 0) {
      Runnable h = hook;
      hook = null;
      h.run();
    }
  }

  @Override
  public void snapshot(List<Op> snapshot) {
    inner.snapshot(snapshot);
  }

  @Override
  public void close() {}

  /** Closes the storage for good, at the end of the run. */
  public void closeForGood() {
    inner.close();
  }
}
