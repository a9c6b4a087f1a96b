package dev.aurora.mesos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

/** The task runner's executor jar and the java command, as the integration tests run them on a pretend agent. */
final class ExecutorJar {
  static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

  private ExecutorJar() {}

  /** The executor jar the pom names in {@code aurora.executor.jar}; it must have been built already. */
  static Path find() {
    String property = System.getProperty("aurora.executor.jar");
    assertThat(property).as("system property aurora.executor.jar (set by the pom)").isNotNull();
    Path jar = Path.of(property);
    assertThat(jar).as("the executor jar: build aurora-runner with package first").exists();
    return jar;
  }
}
