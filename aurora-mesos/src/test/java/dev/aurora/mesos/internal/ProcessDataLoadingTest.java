package dev.aurora.mesos.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What reading a status's process records loads: a status without data (every status of a command task)
 * must not load Jackson, whose ~400 classes, loaded in the middle of a launch wave, pushed a fresh JVM's
 * metaspace over its first GC threshold (a young and a full collection, ~0.9 s, at 100,000 tasks).
 */
class ProcessDataLoadingTest {
  /** A class loader of this test's class path of its own, which says which classes it has loaded. */
  private static final class Isolated extends URLClassLoader {
    Isolated(URL[] urls) {
      super(urls, ClassLoader.getPlatformClassLoader());
    }

    boolean loaded(String name) {
      return findLoadedClass(name) != null;
    }
  }

  private static URL[] classPath() throws Exception {
    List<URL> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      urls.add(new File(entry).toURI().toURL()); // a manifest-only jar's Class-Path is followed too
    }
    return urls.toArray(URL[]::new);
  }

  @Test
  void aStatusWithoutDataLoadsNoJsonLibraryAndOneWithRecordsDoes() throws Exception {
    try (Isolated isolated = new Isolated(classPath())) {
      Class<?> bytes = Class.forName("com.google.protobuf.ByteString", true, isolated);
      Class<?> data = Class.forName(ProcessData.class.getName(), true, isolated);
      var recordsOf = data.getMethod("recordsOf", bytes, String.class, Runnable.class);
      Runnable ignored = () -> { };

      recordsOf.invoke(null, bytes.getField("EMPTY").get(null), "t-1", ignored);
      assertThat(isolated.loaded("com.fasterxml.jackson.databind.ObjectMapper")).isFalse();

      Object records = bytes.getMethod("copyFromUtf8", String.class).invoke(null,
          "{\"format\":\"aurora-processes\",\"version\":1,\"processes\":[]}");
      recordsOf.invoke(null, records, "t-1", ignored);
      assertThat(isolated.loaded("com.fasterxml.jackson.databind.ObjectMapper"))
          .as("the test can see Jackson loaded").isTrue();
    }
  }
}
