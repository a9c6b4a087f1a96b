package dev.aurora.testkit;

import dev.aurora.core.Storage;

/** In-memory storage keeps the storage contract (within one JVM). */
class InMemoryStorageContractTest extends StorageContract {
  private final Storage storage = Storage.inMemory();

  @Override
  protected Storage open() {
    return storage; // closing it is a no-op; "reopening" is using it again
  }
}
