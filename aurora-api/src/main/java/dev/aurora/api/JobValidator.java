package dev.aurora.api;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.parser.CronParser;
import dev.aurora.api.internal.Templates;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks a whole {@link JobConfig} and lists every problem with its field path. */
final class JobValidator {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final CronParser CRON = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  private static final String[] CRON_FIELDS = {"minute", "hour", "day of month", "month", "day of week"};
  static final int MAX_INSTANCES = 100_000;

  private JobValidator() {}

  static List<String> problems(JobConfig job) {
    List<String> problems = new ArrayList<>();
    if (job.owner().isBlank()) {
      problems.add("owner: must not be blank");
    }
    checkVariables("owner", job.owner(), java.util.Set.of(), problems);
    if (job.instances() < 0) {
      problems.add("instances: must be >= 0, was " + job.instances());
    } else if (job.instances() > MAX_INSTANCES) {
      problems.add("instances: must be <= " + MAX_INSTANCES + ", was " + job.instances());
    }
    checkTask(job.task(), problems);
    job.cron().ifPresent(cron -> {
      checkCron(cron.expression(), problems);
      if (job.task().service()) {
        problems.add("cron: a cron job cannot be a service (its runs end; a service runs forever)");
      }
    });
    return problems;
  }

  private static void checkTask(TaskConfig task, List<String> problems) {
    Set<String> ports = task.resources().ports();
    if (task.processes().isEmpty()) {
      problems.add("task.processes: at least one process is needed");
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < task.processes().size(); i++) {
      ProcessConfig p = task.processes().get(i);
      String path = "task.processes[" + i + "]";
      if (!NAME.matcher(p.name()).matches()) {
        problems.add(path + ".name: \"" + p.name() + "\" may hold only letters, digits, '_', '.' and '-'");
      } else if (!names.add(p.name())) {
        problems.add(path + ".name: \"" + p.name() + "\" is used by an earlier process");
      }
      if (p.command().isBlank()) {
        problems.add(path + ".command: must not be blank");
      }
      checkVariables(path + ".command", p.command(), ports, problems);
      for (Map.Entry<String, String> e : p.environment().entrySet()) {
        checkVariables(path + ".environment." + e.getKey(), e.getValue(), ports, problems);
      }
      p.workingDirectory().ifPresent(w -> checkVariables(path + ".workingDirectory", w, ports, problems));
    }

    Resources r = task.resources();
    if (!Double.isFinite(r.cpus())) {
      problems.add("task.resources.cpus: must be a finite number > 0, was " + r.cpus());
    } else if (!(r.cpus() > 0)) {
      problems.add("task.resources.cpus: must be > 0, was " + r.cpus());
    }
    if (r.ramMb() <= 0) {
      problems.add("task.resources.ramMb: must be > 0, was " + r.ramMb());
    }
    if (r.diskMb() < 0) {
      problems.add("task.resources.diskMb: must be >= 0, was " + r.diskMb());
    }
    if (r.gpus() < 0) {
      problems.add("task.resources.gpus: must be >= 0, was " + r.gpus());
    }
    for (String port : ports) {
      if (!NAME.matcher(port).matches()) {
        problems.add("task.resources.ports: \"" + port + "\" may hold only letters, digits, '_', '.' and '-'");
      }
    }

    Set<String> constrained = new HashSet<>();
    for (int i = 0; i < task.constraints().size(); i++) {
      Constraint c = task.constraints().get(i);
      String path = "task.constraints[" + i + "]";
      if (c.attribute().isBlank()) {
        problems.add(path + ".attribute: must not be blank");
      } else if (!constrained.add(c.attribute())) {
        problems.add(path + ": a second constraint on attribute \"" + c.attribute() + "\"; combine them into one");
      }
      if (c.isLimit()) {
        if (!c.values().isEmpty() || c.negated()) {
          problems.add(path + ": a constraint has either a limit or values, not both");
        }
        if (c.limit().getAsInt() < 1) {
          problems.add(path + ": constraint limit " + c + ": the limit must be >= 1");
        }
      } else if (c.values().isEmpty()) {
        problems.add(path + ": value constraint on \"" + c.attribute() + "\" needs at least one value");
      }
      if (c.values().stream().anyMatch(String::isBlank)) {
        problems.add(path + ".values: must not hold an empty value");
      }
      for (String v : c.values()) {
        checkVariables(path + ".values", v, Set.of(), problems);
      }
    }

    if (task.maxTaskFailures() == 0 || task.maxTaskFailures() < -1) {
      problems.add("task.maxTaskFailures: must be >= 1, or -1 for unlimited, was " + task.maxTaskFailures());
    }
    task.tierName().ifPresent(n -> {
      if (n.isBlank()) {
        problems.add("task.tierName: must not be blank when set");
      }
    });
    if (task.production() && task.tier() != Tier.PREFERRED) {
      problems.add("task.production: a production task must be in tier preferred, was " + task.tier().configName());
    }

    task.healthCheck().ifPresent(h -> checkHealth(h, ports, problems));
    task.announce().ifPresent(a -> {
      if (!ports.contains(a.primaryPort())) {
        problems.add("task.announce.primaryPort: \"" + a.primaryPort() + "\" is not a declared port " + declared(ports));
      }
      if (!a.zkPath().startsWith("/")) {
        problems.add("task.announce.zkPath: must start with '/', was \"" + a.zkPath() + "\"");
      }
      checkVariables("task.announce.zkPath", a.zkPath(), ports, problems);
    });
    for (Map.Entry<String, String> e : task.metadata().entrySet()) {
      checkVariables("task.metadata." + e.getKey(), e.getValue(), ports, problems);
    }
    checkProcessGraph(task, problems);
    task.killGracePeriod().ifPresent(g -> {
      if (g.isNegative()) {
        problems.add("task.killGracePeriod: must be >= 0, was " + g);
      }
    });
    if (task.maxFailures() < 0) {
      problems.add("task.maxFailures: must be >= 0 (0: no limit), was " + task.maxFailures());
    }
    if (task.maxConcurrency() < 0) {
      problems.add("task.maxConcurrency: must be >= 0 (0: no limit), was " + task.maxConcurrency());
    }
    task.logger().validate("task.logger", problems);
    if (task.finalizationWait().isNegative()) {
      problems.add("task.finalizationWait: must be >= 0, was " + task.finalizationWait());
    }
    task.httpLifecycle().ifPresent(h -> {
      if (!ports.contains(h.port())) {
        problems.add("task.httpLifecycle.port: \"" + h.port() + "\" is not a declared port " + declared(ports));
      }
      if (!h.gracefulShutdownEndpoint().startsWith("/")) {
        problems.add("task.httpLifecycle.gracefulShutdownEndpoint: must start with '/', was \""
            + h.gracefulShutdownEndpoint() + "\"");
      }
      if (!h.shutdownEndpoint().startsWith("/")) {
        problems.add("task.httpLifecycle.shutdownEndpoint: must start with '/', was \"" + h.shutdownEndpoint() + "\"");
      }
      if (h.gracefulShutdownWait().isNegative()) {
        problems.add("task.httpLifecycle.gracefulShutdownWait: must be >= 0, was " + h.gracefulShutdownWait());
      }
      if (h.shutdownWait().isNegative()) {
        problems.add("task.httpLifecycle.shutdownWait: must be >= 0, was " + h.shutdownWait());
      }
    });
    task.container().ifPresent(image -> {
      if (image.isBlank()) {
        problems.add("task.container: must not be blank when set");
      }
      checkVariables("task.container", image, Set.of(), problems);
    });
  }

  /** The process flags and ordering constraints: known names, finalizers apart, no daemon before another, no cycle. */
  private static void checkProcessGraph(TaskConfig task, List<String> problems) {
    Map<String, ProcessConfig> byName = new java.util.LinkedHashMap<>();
    for (int i = 0; i < task.processes().size(); i++) {
      ProcessConfig p = task.processes().get(i);
      byName.putIfAbsent(p.name(), p);
      String path = "task.processes[" + i + "]";
      if (p.maxFailures() < 0) {
        problems.add(path + ".maxFailures: must be >= 0 (0: no limit), was " + p.maxFailures());
      }
      p.logger().ifPresent(l -> l.validate(path + ".logger", problems));
      if (p.minDuration().isNegative()) {
        problems.add(path + ".minDuration: must be >= 0, was " + p.minDuration());
      }
      if (p.finalizer() && (p.daemon() || p.ephemeral())) {
        problems.add(path + ": a finalizer cannot be a daemon or ephemeral");
      }
    }
    if (!task.processes().isEmpty() && task.processes().stream().allMatch(ProcessConfig::finalizer)) {
      problems.add("task.processes: at least one process must not be a finalizer");
    }
    Map<String, Set<String>> after = new java.util.HashMap<>();
    for (int i = 0; i < task.processOrders().size(); i++) {
      List<String> order = task.processOrders().get(i);
      String path = "task.processOrders[" + i + "]";
      if (order.size() < 2) {
        problems.add(path + ": an order needs at least two processes, was " + order);
        continue;
      }
      if (new HashSet<>(order).size() != order.size()) {
        problems.add(path + ": names a process twice: " + order);
      }
      boolean known = true;
      for (String name : order) {
        if (!byName.containsKey(name)) {
          problems.add(path + ": \"" + name + "\" is not a process of the task " + byName.keySet());
          known = false;
        }
      }
      if (!known) {
        continue;
      }
      long finalizers = order.stream().filter(n -> byName.get(n).finalizer()).count();
      if (finalizers != 0 && finalizers != order.size()) {
        problems.add(path + ": finalizers can be ordered only among themselves: " + order);
      }
      for (int j = 0; j + 1 < order.size(); j++) {
        if (byName.get(order.get(j)).daemon()) {
          problems.add(path + ": \"" + order.get(j) + "\" is a daemon, which never succeeds, so \""
              + order.get(j + 1) + "\" would never start");
        }
        after.computeIfAbsent(order.get(j + 1), k -> new HashSet<>()).add(order.get(j));
      }
    }
    // a cycle: some process would wait for itself
    Set<String> done = new HashSet<>();
    for (String start : byName.keySet()) {
      if (waitsForItself(start, start, after, new HashSet<>(), done)) {
        problems.add("task.processOrders: \"" + start + "\" would wait for itself (the orders form a cycle)");
        break;
      }
    }
  }

  private static boolean waitsForItself(String target, String at, Map<String, Set<String>> after, Set<String> seen,
      Set<String> done) {
    for (String before : after.getOrDefault(at, Set.of())) {
      if (before.equals(target)) {
        return true;
      }
      if (seen.add(before) && waitsForItself(target, before, after, seen, done)) {
        return true;
      }
    }
    return false;
  }

  private static void checkHealth(HealthCheck h, Set<String> ports, List<String> problems) {
    String path = "task.healthCheck";
    if (h.type() == HealthCheck.Type.TCP) {
      if (h.port().isEmpty()) {
        problems.add(path + ".port: a TCP health check needs a port name");
      } else if (!ports.contains(h.port().get())) {
        problems.add(path + ".port: \"" + h.port().get() + "\" is not a declared port " + declared(ports));
      }
    } else if (h.type() == HealthCheck.Type.HTTP) {
      if (h.port().isEmpty()) {
        problems.add(path + ".port: an HTTP health check needs a port name");
      } else if (!ports.contains(h.port().get())) {
        problems.add(path + ".port: \"" + h.port().get() + "\" is not a declared port " + declared(ports));
      }
      if (h.path().isEmpty() || !h.path().get().startsWith("/")) {
        problems.add(path + ".path: an HTTP health check needs a path starting with '/'");
      } else {
        checkVariables(path + ".path", h.path().get(), ports, problems);
      }
    } else {
      if (h.command().isEmpty() || h.command().get().isBlank()) {
        problems.add(path + ".command: a command health check needs a command");
      } else {
        checkVariables(path + ".command", h.command().get(), ports, problems);
      }
    }
    if (h.interval().isZero() || h.interval().isNegative()) {
      problems.add(path + ".interval: must be > 0, was " + h.interval());
    }
    if (h.timeout().isZero() || h.timeout().isNegative()) {
      problems.add(path + ".timeout: must be > 0, was " + h.timeout());
    }
    if (h.initialDelay().isNegative()) {
      problems.add(path + ".initialDelay: must not be negative, was " + h.initialDelay());
    }
    if (h.maxConsecutiveFailures() < 0) {
      problems.add(path + ".maxConsecutiveFailures: must be >= 0, was " + h.maxConsecutiveFailures());
    }
  }

  /** Reports unbound template variables and port variables naming undeclared ports. */
  private static void checkVariables(String path, String text, Set<String> ports, List<String> problems) {
    for (String name : Templates.variables(text)) {
      String port = Templates.portName(name);
      if (port != null) {
        if (!ports.contains(port)) {
          problems.add(path + ": {{" + name + "}} names a port that is not declared " + declared(ports));
        }
      } else if (!Templates.isTaskVariable(name)) {
        problems.add(path + ": unbound template variable {{" + name + "}}");
      }
    }
  }

  private static String declared(Set<String> ports) {
    return ports.isEmpty() ? "(no ports are declared)" : "(declared: " + String.join(", ", ports) + ")";
  }

  /**
   * Whether {@code cron} fires at all. Every date pattern recurs within eight years (leap days
   * included), so a search from a fixed start keeps the check independent of today's date.
   */
  private static boolean fires(Cron cron) {
    ZonedDateTime start = ZonedDateTime.of(2000, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
    return ExecutionTime.forCron(cron).nextExecution(start)
        .filter(next -> next.isBefore(start.plusYears(9)))
        .isPresent();
  }

  /** Parses with cron-utils; on failure finds which of the five fields is wrong. */
  static void checkCron(String expression, List<String> problems) {
    String prefix = "cron.expression: \"" + expression + "\"";
    if (expression.contains("{{")) {
      for (String v : Templates.variables(expression)) {
        problems.add("cron.expression: unbound template variable {{" + v + "}}");
      }
      return;
    }
    String[] fields = expression.trim().split("\\s+");
    if (fields.length != 5) {
      problems.add(prefix + ": a Unix cron expression has 5 fields (minute hour day-of-month month day-of-week), found " + fields.length);
      return;
    }
    try {
      Cron cron = CRON.parse(expression).validate();
      if (!fires(cron)) {
        problems.add(prefix + ": never fires (no such date)");
      }
      return;
    } catch (IllegalArgumentException e) {
      boolean named = false;
      for (int i = 0; i < 5; i++) {
        String[] probe = {"*", "*", "*", "*", "*"};
        probe[i] = fields[i];
        try {
          CRON.parse(String.join(" ", probe)).validate();
        } catch (IllegalArgumentException fieldError) {
          problems.add(prefix + ": " + CRON_FIELDS[i] + " \"" + fields[i] + "\" out of range or malformed ("
              + fieldError.getMessage() + ")");
          named = true;
        }
      }
      if (!named) {
        problems.add(prefix + ": " + e.getMessage());
      }
    }
  }
}
