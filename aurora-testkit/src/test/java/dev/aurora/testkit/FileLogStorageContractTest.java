package dev.aurora.testkit;

import dev.aurora.core.Storage;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The file log keeps the storage contract: each open() is a new storage over the same directory. */
class FileLogStorageContractTest extends StorageContract {
  @TempDir
  Path directory;

  @Override
  protected Storage open() {
    return Storage.fileLog(directory);
  }
}
