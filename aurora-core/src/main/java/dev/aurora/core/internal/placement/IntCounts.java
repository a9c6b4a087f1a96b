package dev.aurora.core.internal.placement;

import java.util.Arrays;

/**
 * Counts by non-negative int key (an attribute value's id in an {@link AgentPool}), in one open-addressed
 * table: a look-up is a few array reads, with no hashing of strings and no entry objects. A count that
 * falls to zero leaves the table. Not thread-safe.
 */
public final class IntCounts {
  private static final int EMPTY = -1;
  private int[] keys;
  private int[] counts;
  private int size;

  public IntCounts() {
    keys = new int[8];
    Arrays.fill(keys, EMPTY);
    counts = new int[8];
  }

  /** The count of {@code key} (0 if absent or if {@code key} is negative). */
  public int get(int key) {
    if (key < 0) {
      return 0;
    }
    int mask = keys.length - 1;
    for (int i = mix(key) & mask; ; i = (i + 1) & mask) {
      int k = keys[i];
      if (k == key) {
        return counts[i];
      }
      if (k == EMPTY) {
        return 0;
      }
    }
  }

  /** Adds one to the count of {@code key} (ignored if negative). */
  public void increment(int key) {
    if (key < 0) {
      return;
    }
    int mask = keys.length - 1;
    int i = mix(key) & mask;
    while (true) {
      int k = keys[i];
      if (k == key) {
        counts[i]++;
        return;
      }
      if (k == EMPTY) {
        break;
      }
      i = (i + 1) & mask;
    }
    keys[i] = key;
    counts[i] = 1;
    if (++size * 4 > keys.length * 3) {
      grow();
    }
  }

  /** Takes one from the count of {@code key}; a count that reaches zero leaves the table. */
  public void decrement(int key) {
    if (key < 0) {
      return;
    }
    int mask = keys.length - 1;
    int i = mix(key) & mask;
    while (true) {
      int k = keys[i];
      if (k == EMPTY) {
        return;
      }
      if (k == key) {
        break;
      }
      i = (i + 1) & mask;
    }
    if (--counts[i] > 0) {
      return;
    }
    // backward-shift deletion: entries after the hole that would not be found past it move into it
    size--;
    int hole = i;
    for (int j = (hole + 1) & mask; keys[j] != EMPTY; j = (j + 1) & mask) {
      int home = mix(keys[j]) & mask;
      // the entry at j may fill the hole if its home is not cyclically in (hole, j]
      boolean between = hole <= j ? hole < home && home <= j : hole < home || home <= j;
      if (!between) {
        keys[hole] = keys[j];
        counts[hole] = counts[j];
        hole = j;
      }
    }
    keys[hole] = EMPTY;
    counts[hole] = 0;
  }

  /** How many keys have a count above zero. */
  public int size() {
    return size;
  }

  private void grow() {
    int[] oldKeys = keys;
    int[] oldCounts = counts;
    keys = new int[oldKeys.length * 2];
    Arrays.fill(keys, EMPTY);
    counts = new int[keys.length];
    int mask = keys.length - 1;
    for (int j = 0; j < oldKeys.length; j++) {
      int k = oldKeys[j];
      if (k != EMPTY) {
        int i = mix(k) & mask;
        while (keys[i] != EMPTY) {
          i = (i + 1) & mask;
        }
        keys[i] = k;
        counts[i] = oldCounts[j];
      }
    }
  }

  private static int mix(int key) {
    int h = key * 0x9E3779B9;
    return h ^ (h >>> 16);
  }
}
