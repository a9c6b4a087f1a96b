package dev.aurora.mesos.internal;

import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * A builder's choice of how tasks run on agents (the runner's executor jar under the command executor,
 * or as the custom executor), checked as a whole: the part of {@code MesosBackend.Builder} and {@code
 * ClassicDriverBackend.Builder} the two share.
 */
public final class ExecutorSetting {
  private URI commandJar;
  private String commandJava;
  private boolean command;
  private URI customJar;
  private String customJava;
  private boolean custom;
  private double cpus = CustomExecutor.DEFAULT_CPUS;
  private double memMb = CustomExecutor.DEFAULT_MEM_MB;
  private boolean resourcesSet;

  /** The runner's executor jar as the task's command, under the command executor. */
  public void commandExecutor(URI jar, String java) {
    this.command = true;
    this.commandJar = jar;
    this.commandJava = java;
  }

  /** The runner's executor jar as the custom executor. */
  public void customExecutor(URI jar, String java) {
    this.custom = true;
    this.customJar = jar;
    this.customJava = java;
  }

  /** The custom executor's own resources. */
  public void resources(double cpus, double memMb) {
    this.cpus = cpus;
    this.memMb = memMb;
    this.resourcesSet = true;
  }

  /** Adds every problem of the choice to {@code problems}. */
  public void problems(List<String> problems) {
    if (command) {
      problem("executor", commandJar, commandJava, problems);
    }
    if (custom) {
      problem("customExecutor", customJar, customJava, problems);
    }
    if (command && custom) {
      problems.add("executor and customExecutor: choose one way to run the task runner on agents");
    }
    if (resourcesSet && !custom) {
      problems.add("executorResources: only for customExecutor");
    }
    if (!(cpus > 0) || !(memMb >= 32)) {
      problems.add("executorResources: need cpus > 0 and at least 32 MB, were " + cpus + " cpus, " + memMb + " MB");
    }
  }

  private static void problem(String option, URI jar, String java, List<String> problems) {
    if (jar == null) {
      problems.add(option + ": the jar's URI is required");
    } else if (jar.getScheme() == null) {
      problems.add(option + ": the jar's URI needs a scheme (http, https, file...): " + jar);
    }
    if (java == null || java.isBlank()) {
      problems.add(option + ": the java command must not be blank");
    }
  }

  /** The command-executor mode, if chosen (check {@link #problems} first). */
  public Optional<RunnerCommand> runner() {
    return command ? Optional.of(new RunnerCommand(commandJar, commandJava)) : Optional.empty();
  }

  /** The custom-executor mode, if chosen (check {@link #problems} first). */
  public Optional<CustomExecutor> custom() {
    return custom ? Optional.of(new CustomExecutor(customJar, customJava, cpus, memMb)) : Optional.empty();
  }
}
