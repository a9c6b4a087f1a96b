package dev.aurora.core.internal.storage;

import dev.aurora.core.Storage;
import java.nio.file.Path;

/**
 * Another process for {@link FileLogTest}: opens a file log in the directory given as its argument,
 * prints {@code locked}, and holds the lock until its standard input closes. Not a test.
 */
public final class LockHolder {
  private LockHolder() {}

  /** Holds the lock on {@code args[0]} until standard input closes. */
  public static void main(String[] args) throws Exception {
    try (Storage storage = Storage.fileLog(Path.of(args[0]))) {
      storage.recover();
      System.out.println("locked");
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait for the end of input
      }
    }
  }
}
