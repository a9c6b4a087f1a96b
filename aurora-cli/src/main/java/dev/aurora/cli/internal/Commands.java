package dev.aurora.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.InvalidConfigException;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.JobTemplate;
import dev.aurora.api.ResourceQuota;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Every verb of the command line, one class each, grouped as Aurora's client groups them. */
final class Commands {
  private Commands() {}

  static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  /** Update states after which nothing more happens. */
  static final Set<String> TERMINAL = Set.of("ROLLED_FORWARD", "ROLLED_BACK", "ABORTED", "ERROR", "FAILED");

  /** Task states after which a task does not run again. */
  static final Set<String> ENDED = Set.of("FINISHED", "FAILED", "KILLED", "LOST");

  /** What every verb shares: the root's options and output. */
  abstract static class Verb implements Callable<Integer> {
    @Spec CommandSpec spec;

    Root root() {
      return (Root) spec.root().userObject();
    }

    Api api() {
      return root().api();
    }

    boolean json() {
      return root().json;
    }

    void say(String line) {
      root().out.println(line);
    }

    /** In --json mode prints the answer (when there is one); otherwise the readable line. */
    int done(JsonNode answer, String readable) {
      if (json()) {
        if (answer != null && !(answer.isObject() && answer.isEmpty())) {
          say(Render.json(answer));
        }
      } else {
        say(readable);
      }
      return ExitCodes.OK;
    }
  }

  static String jobPath(JobKey key) {
    return Api.segment(key.role()) + "/" + Api.segment(key.environment()) + "/" + Api.segment(key.name());
  }

  static JobKey jobKey(String text) {
    try {
      return JobKey.parse(text);
    } catch (InvalidConfigException e) {
      throw new CliException(ExitCodes.USAGE, String.join("; ", e.problems()));
    }
  }

  /** A config file (a job or a template) completed with --bind and validated. */
  static JobConfig loadConfig(Path file, Map<String, String> binds, JobKey expected) {
    JobTemplate template = AuroraJson.loadTemplate(file);
    if (binds != null && !binds.isEmpty()) {
      template = template.bind(new LinkedHashMap<String, Object>(binds));
    }
    JobConfig config = template.build();
    if (expected != null && !expected.equals(config.key())) {
      throw new CliException(ExitCodes.USAGE,
          file + " holds job " + config.key() + ", not " + expected);
    }
    return config;
  }

  /** Parses instance lists such as {@code 0,2,4-6}. */
  static List<Integer> instances(String spec) {
    List<Integer> out = new ArrayList<>();
    if (spec == null || spec.isBlank()) {
      return out;
    }
    for (String part : spec.split(",")) {
      String p = part.strip();
      try {
        int dash = p.indexOf('-', 1);
        if (dash > 0) {
          int from = Integer.parseInt(p.substring(0, dash).strip());
          int to = Integer.parseInt(p.substring(dash + 1).strip());
          if (from > to || from < 0) {
            throw new NumberFormatException();
          }
          for (int i = from; i <= to; i++) {
            out.add(i);
          }
        } else {
          int i = Integer.parseInt(p);
          if (i < 0) {
            throw new NumberFormatException();
          }
          out.add(i);
        }
      } catch (NumberFormatException e) {
        throw new CliException(ExitCodes.USAGE, "instances: \"" + p + "\" is not an instance number or a range such as 4-6");
      }
    }
    return out;
  }

  static ObjectNode instancesBody(List<Integer> instances) {
    ObjectNode body = NODES.objectNode();
    ArrayNode a = body.putArray("instances");
    instances.forEach(a::add);
    return body;
  }

  /** The job and config file arguments of create, diff and update start: {@code [<job>] <file>}. */
  abstract static class WithConfig extends Verb {
    @Parameters(arity = "1..2", paramLabel = "[JOB] FILE",
        description = "The job (role/env/name), optional, then its JSON config or template file.")
    List<String> args;

    @Option(names = {"-b", "--bind"}, paramLabel = "NAME=VALUE",
        description = "Binds a template variable of the config, as Aurora's --bind; repeatable.")
    Map<String, String> binds = new LinkedHashMap<>();

    JobConfig config() {
      JobKey expected = args.size() == 2 ? jobKey(args.get(0)) : null;
      return loadConfig(Path.of(args.get(args.size() - 1)), binds, expected);
    }
  }

  /** A group of verbs: run alone, it is a usage error naming the verbs. */
  abstract static class Group implements Runnable {
    @Spec CommandSpec spec;

    @Override
    public void run() {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "give a command: " + String.join(", ", spec.subcommands().keySet()));
    }
  }

  // ------------------------------------------------------------------ job

  @Command(name = "job", description = "Create, kill, restart, inspect and scale jobs.",
      subcommands = {JobCreate.class, JobKill.class, JobRestart.class, JobStatus.class, JobDiff.class,
          JobInspect.class, JobAdd.class})
  static final class JobCmd extends Group {}

  @Command(name = "create", description = "Creates a job from a JSON config (or a template completed with --bind).")
  static final class JobCreate extends WithConfig {
    @Override
    public Integer call() {
      JobConfig config = config();
      JsonNode summary = api().post("/jobs", AuroraJson.toJson(config));
      if (json()) {
        return done(summary, "");
      }
      say("Created job " + config.key() + " (" + config.instances() + " instances).");
      if (summary.isObject() && !summary.isEmpty()) {
        Render.fields(root().out, summary);
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "kill", description = "Kills a job, or only the given instances.")
  static final class JobKill extends Verb {
    @Parameters(paramLabel = "JOB", description = "role/env/name") String job;

    @Option(names = {"-i", "--instances"}, paramLabel = "LIST", description = "Instances to kill, such as 0,2,4-6; all when left out.")
    String instances;

    @Override
    public Integer call() {
      JobKey key = jobKey(job);
      List<Integer> list = instances(instances);
      if (list.isEmpty()) {
        return done(api().delete("/jobs/" + jobPath(key)), "Killed job " + key + ".");
      }
      return done(api().post("/jobs/" + jobPath(key) + "/kill", instancesBody(list)),
          "Killed instances " + list + " of " + key + ".");
    }
  }

  @Command(name = "restart", description = "Restarts a job's instances (all unless --instances).")
  static final class JobRestart extends Verb {
    @Parameters(paramLabel = "JOB", description = "role/env/name") String job;

    @Option(names = {"-i", "--instances"}, paramLabel = "LIST", description = "Instances to restart, such as 0,2,4-6; all when left out.")
    String instances;

    @Override
    public Integer call() {
      JobKey key = jobKey(job);
      List<Integer> list = instances(instances);
      return done(api().post("/jobs/" + jobPath(key) + "/restart", instancesBody(list)),
          "Restarting " + (list.isEmpty() ? "all instances" : "instances " + list) + " of " + key + ".");
    }
  }

  @Command(name = "status", description = "Shows a job's tasks; or, given a role or nothing, lists jobs.")
  static final class JobStatus extends Verb {
    @Parameters(arity = "0..1", paramLabel = "JOB|ROLE", description = "role/env/name, or a role") String what;

    @Override
    public Integer call() {
      if (what == null || !what.contains("/")) {
        JsonNode jobs = api().get("/jobs", what == null ? Map.of() : Map.of("role", what));
        if (json()) {
          return done(jobs, "");
        }
        Render.table(root().out, jobs, List.of("JOB", "TYPE", "INSTANCES", "ACTIVE"), List.of(
            j -> Render.text(j, "key"), j -> Render.text(j, "type"), j -> Render.text(j, "instances"),
            Commands::counts));
        return ExitCodes.OK;
      }
      JobKey key = jobKey(what);
      JsonNode job = api().get("/jobs/" + jobPath(key));
      if (json()) {
        return done(job, "");
      }
      JsonNode config = job.path("config");
      String kind = config.path("cron").isObject() ? "cron" : config.path("task").path("service").asBoolean() ? "service" : "adhoc";
      say("Job " + key + ": " + kind + ", " + Render.text(config, "instances") + " instances"
          + (config.has("owner") ? ", owner " + Render.text(config, "owner") : ""));
      List<JsonNode> tasks = new ArrayList<>();
      job.path("tasks").forEach(tasks::add);
      tasks.sort(java.util.Comparator.comparingInt(t -> t.path("instance").asInt()));
      ArrayNode rows = NODES.arrayNode();
      tasks.forEach(rows::add);
      Render.table(root().out, rows, List.of("INSTANCE", "STATUS", "HOST", "TASK ID"), List.of(
          t -> Render.text(t, "instance"), t -> Render.text(t, "status", "state"), t -> Render.text(t, "host"),
          t -> Render.text(t, "id", "taskId")));
      return ExitCodes.OK;
    }
  }

  /** A job summary's counts by state: the first object-valued field, as {@code RUNNING=3 PENDING=1}. */
  static String counts(JsonNode summary) {
    for (String f : List.of("active", "counts", "states", "activeCounts", "tasks")) {
      if (summary.path(f).isObject()) {
        return Render.scalar(summary.get(f));
      }
    }
    for (var it = summary.fields(); it.hasNext(); ) {
      var e = it.next();
      if (e.getValue().isObject()) {
        return Render.scalar(e.getValue());
      }
    }
    return "";
  }

  @Command(name = "diff", description = "Shows what a config (or template completed with --bind) would change in a running job.")
  static final class JobDiff extends WithConfig {
    @Override
    public Integer call() {
      JobConfig config = config();
      JsonNode diff = api().post("/jobs/" + jobPath(config.key()) + "/diff", AuroraJson.toJson(config));
      if (json()) {
        return done(diff, "");
      }
      JsonNode changes = diff.path("changes");
      if (changes.isEmpty()) {
        say("No changes to " + config.key() + ".");
      } else {
        Render.table(root().out, changes, List.of("FIELD", "FROM", "TO"), List.of(
            c -> Render.text(c, "field"), c -> Render.text(c, "from"), c -> Render.text(c, "to")));
      }
      String added = Render.text(diff, "instancesAdded");
      String removed = Render.text(diff, "instancesRemoved");
      if (!added.isEmpty() && !added.equals("0")) {
        say("Instances added: " + added);
      }
      if (!removed.isEmpty() && !removed.equals("0")) {
        say("Instances removed: " + removed);
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "inspect", description = "Prints the config a file (or template completed with --bind) gives, validated; nothing is sent.")
  static final class JobInspect extends WithConfig {
    @Override
    public Integer call() {
      say(AuroraJson.toJson(config()));
      return ExitCodes.OK;
    }
  }

  @Command(name = "add", description = "Adds instances to a job, copies of its task config.")
  static final class JobAdd extends Verb {
    @Parameters(index = "0", paramLabel = "JOB", description = "role/env/name") String job;
    @Parameters(index = "1", paramLabel = "COUNT", description = "How many instances to add.") int count;

    @Override
    public Integer call() {
      JobKey key = jobKey(job);
      if (count < 1) {
        throw new CliException(ExitCodes.USAGE, "COUNT must be >= 1, was " + count);
      }
      ObjectNode body = NODES.objectNode().put("count", count);
      return done(api().post("/jobs/" + jobPath(key) + "/instances", body), "Added " + count + " instances to " + key + ".");
    }
  }

  // ------------------------------------------------------------------ update

  @Command(name = "update", description = "Rolling updates: start, watch, pause, resume, abort, roll back.",
      subcommands = {UpdateStart.class, UpdateAction.Pause.class, UpdateAction.Resume.class, UpdateAction.Abort.class,
          UpdateAction.Rollback.class, UpdateAction.Pulse.class, UpdateList.class, UpdateInfo.class, UpdateWait.class})
  static final class UpdateCmd extends Group {}

  @Command(name = "start", description = "Starts a rolling update of a job to a config (or template completed with --bind).")
  static final class UpdateStart extends WithConfig {
    @Option(names = {"-m", "--message"}, description = "Why; kept with the update.") String message = "";

    @Option(names = "--wait", description = "Shows progress until the update ends; exit 6 unless it rolled forward.")
    boolean await;

    @Override
    public Integer call() {
      JobConfig config = config();
      ObjectNode body = NODES.objectNode();
      body.put("job", config.key().toString());
      try {
        body.set("config", Api.JSON.readTree(AuroraJson.toJson(config)));
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
      body.put("message", message);
      JsonNode answer = api().post("/updates", body);
      String id = Render.text(answer, "id");
      if (!await) {
        return done(answer, "Started update " + id + " of " + config.key() + ".");
      }
      if (!json()) {
        say("Started update " + id + " of " + config.key() + ".");
      }
      return UpdateWait.await(this, id);
    }
  }

  /** An update given by its id, or by its job (then the job's active update). */
  abstract static class OnUpdate extends Verb {
    @Parameters(paramLabel = "UPDATE|JOB", description = "An update id, or role/env/name for the job's active update.")
    String update;

    String updateId() {
      if (!update.contains("/")) {
        return update;
      }
      JobKey key = jobKey(update);
      JsonNode updates = api().get("/updates", Map.of("job", key.toString()));
      JsonNode active = null;
      for (JsonNode u : updates) {
        if (active == null && !TERMINAL.contains(Render.text(u, "status", "state"))) {
          active = u;
        }
      }
      if (active == null) {
        throw new CliException(ExitCodes.NOT_FOUND, "job " + key + " has no active update");
      }
      return Render.text(active, "id");
    }
  }

  abstract static class UpdateAction extends OnUpdate {
    abstract String action();

    abstract String past();

    @Override
    public Integer call() {
      String id = updateId();
      return done(api().post("/updates/" + Api.segment(id) + "/" + action(), NODES.objectNode()),
          past() + " update " + id + ".");
    }

    @Command(name = "pause", description = "Pauses an update.")
    static final class Pause extends UpdateAction {
      String action() { return "pause"; }
      String past() { return "Paused"; }
    }

    @Command(name = "resume", description = "Resumes a paused update.")
    static final class Resume extends UpdateAction {
      String action() { return "resume"; }
      String past() { return "Resumed"; }
    }

    @Command(name = "abort", description = "Aborts an update; instances stay as they are.")
    static final class Abort extends UpdateAction {
      String action() { return "abort"; }
      String past() { return "Aborted"; }
    }

    @Command(name = "rollback", description = "Rolls an update back to the job's previous config.")
    static final class Rollback extends UpdateAction {
      String action() { return "rollback"; }
      String past() { return "Rolling back"; }
    }

    @Command(name = "pulse", description = "Sends a pulse to an update that waits for pulses.")
    static final class Pulse extends UpdateAction {
      String action() { return "pulse"; }
      String past() { return "Pulsed"; }
    }
  }

  @Command(name = "list", description = "Lists updates, of one job or all.")
  static final class UpdateList extends Verb {
    @Parameters(arity = "0..1", paramLabel = "JOB", description = "role/env/name") String job;

    @Override
    public Integer call() {
      Map<String, String> query = job == null ? Map.of() : Map.of("job", jobKey(job).toString());
      JsonNode updates = api().get("/updates", query);
      if (json()) {
        return done(updates, "");
      }
      Render.table(root().out, updates, List.of("ID", "JOB", "STATUS", "BY", "MESSAGE"), List.of(
          u -> Render.text(u, "id"), u -> Render.text(u, "job"), u -> Render.text(u, "status", "state"),
          u -> Render.text(u, "by", "user"), u -> Render.text(u, "message")));
      return ExitCodes.OK;
    }
  }

  @Command(name = "info", description = "Shows an update and each instance's progress.")
  static final class UpdateInfo extends OnUpdate {
    @Override
    public Integer call() {
      String id = updateId();
      JsonNode u = api().get("/updates/" + Api.segment(id));
      if (json()) {
        return done(u, "");
      }
      say("Update " + Render.text(u, "id") + " of " + Render.text(u, "job") + ": " + Render.text(u, "status", "state"));
      if (!Render.text(u, "by").isEmpty()) {
        say("Started by " + Render.text(u, "by") + (Render.text(u, "message").isEmpty() ? "" : ": " + Render.text(u, "message")));
      }
      Progress p = Progress.of(u);
      say("Progress: " + p.done + "/" + p.total + " instances done" + (p.failed > 0 ? ", " + p.failed + " failed" : ""));
      ArrayNode rows = NODES.arrayNode();
      JsonNode instances = u.path("instances");
      if (instances.isObject()) {
        instances.fields().forEachRemaining(e -> rows.add(((ObjectNode) e.getValue().deepCopy()).put("instance", e.getKey())));
      } else if (instances.isArray()) {
        instances.forEach(rows::add);
      }
      Render.table(root().out, rows, List.of("INSTANCE", "STATE", "FAILURES"), List.of(
          r -> Render.text(r, "instance"), r -> Render.text(r, "state", "status"), r -> Render.text(r, "failures")));
      return ExitCodes.OK;
    }
  }

  /** How far an update is: instances done, failed, and in all. */
  record Progress(String status, int done, int failed, int total) {
    static Progress of(JsonNode u) {
      int done = 0;
      int failed = 0;
      int total = 0;
      for (JsonNode i : u.path("instances")) {
        total++;
        String s = Render.text(i, "state", "status");
        if (s.equals("SUCCEEDED")) {
          done++;
        } else if (s.equals("FAILED")) {
          failed++;
        }
      }
      return new Progress(Render.text(u, "status", "state"), done, failed, total);
    }

    String line() {
      return status + " " + done + "/" + total + " instances done" + (failed > 0 ? ", " + failed + " failed" : "");
    }
  }

  @Command(name = "wait", description = "Waits for an update to end, showing progress; exit 6 unless it rolled forward.")
  static final class UpdateWait extends OnUpdate {
    @Override
    public Integer call() {
      return await(this, updateId());
    }

    static int await(Verb verb, String id) {
      Root root = verb.root();
      Api api = verb.api();
      String last = null;
      JsonNode u;
      while (true) {
        u = api.get("/updates/" + Api.segment(id));
        Progress p = Progress.of(u);
        if (!verb.json()) {
          if (root.terminal) {
            String line = "\r" + Render.bar(p.done(), p.total(), 30) + " " + p.line();
            root.out.print(line + " ".repeat(Math.max(0, 79 - line.length())));
            root.out.flush();
          } else if (!p.line().equals(last)) {
            root.out.println(p.line());
          }
        }
        last = p.line();
        if (TERMINAL.contains(p.status())) {
          break;
        }
        try {
          Thread.sleep(root.pollInterval.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new CliException(ExitCodes.SERVER_ERROR, "interrupted while waiting for update " + id);
        }
      }
      String status = Render.text(u, "status", "state");
      if (verb.json()) {
        verb.say(Render.json(u));
      } else {
        if (root.terminal) {
          root.out.println();
        }
        verb.say("Update " + id + " ended: " + status + ".");
      }
      return status.equals("ROLLED_FORWARD") ? ExitCodes.OK : ExitCodes.UPDATE_FAILED;
    }
  }

  // ------------------------------------------------------------------ cron

  @Command(name = "cron", description = "Cron jobs: run now, deschedule, show the schedule.",
      subcommands = {CronStart.class, CronDeschedule.class, CronShow.class})
  static final class CronCmd extends Group {}

  @Command(name = "start", description = "Runs a cron job now.")
  static final class CronStart extends Verb {
    @Parameters(paramLabel = "JOB", description = "role/env/name") String job;

    @Override
    public Integer call() {
      JobKey key = jobKey(job);
      return done(api().post("/cron/" + jobPath(key) + "/start", NODES.objectNode()), "Started a run of cron job " + key + ".");
    }
  }

  @Command(name = "deschedule", description = "Removes a cron job's schedule (the job is gone).")
  static final class CronDeschedule extends Verb {
    @Parameters(paramLabel = "JOB", description = "role/env/name") String job;

    @Override
    public Integer call() {
      JobKey key = jobKey(job);
      return done(api().delete("/cron/" + jobPath(key)), "Descheduled cron job " + key + ".");
    }
  }

  @Command(name = "show", description = "Shows a cron job's schedule and its next runs.")
  static final class CronShow extends Verb {
    @Parameters(paramLabel = "JOB", description = "role/env/name") String job;

    @Option(names = "--count", description = "How many next runs to show (default ${DEFAULT-VALUE}).") int count = 5;

    @Override
    public Integer call() {
      JobKey key = jobKey(job);
      JsonNode cron = api().get("/cron/" + jobPath(key), Map.of("count", String.valueOf(count)));
      if (json()) {
        return done(cron, "");
      }
      String zone = Render.text(cron, "timezone");
      say("Cron job " + key + ": " + Render.text(cron, "schedule") + (zone.isEmpty() ? "" : " in " + zone)
          + " (" + Render.text(cron, "policy") + ")");
      say("Next runs:");
      cron.path("next").forEach(n -> say("  " + n.asText()));
      return ExitCodes.OK;
    }
  }

  // ------------------------------------------------------------------ quota

  @Command(name = "quota", description = "Roles' resource quotas.", subcommands = {QuotaGet.class, QuotaSet.class})
  static final class QuotaCmd extends Group {}

  @Command(name = "get", description = "Shows a role's quota, or every role's quota and use.")
  static final class QuotaGet extends Verb {
    @Parameters(arity = "0..1", paramLabel = "ROLE") String role;

    @Override
    public Integer call() {
      if (role != null) {
        JsonNode q = api().get("/quotas/" + Api.segment(role));
        if (json()) {
          return done(q, "");
        }
        JsonNode quota = q.has("quota") ? q.get("quota") : q;
        ArrayNode rows = NODES.arrayNode().add(quota);
        say("Quota of " + role + ":");
        Render.table(root().out, rows, List.of("CPUS", "RAM MB", "DISK MB", "GPUS"), List.of(
            r -> Render.text(r, "cpus"), r -> Render.text(r, "ramMb"), r -> Render.text(r, "diskMb"), r -> Render.text(r, "gpus")));
        return ExitCodes.OK;
      }
      JsonNode all = api().get("/quotas");
      if (json()) {
        return done(all, "");
      }
      ArrayNode rows = NODES.arrayNode();
      all.fields().forEachRemaining(e -> rows.add(((ObjectNode) e.getValue().deepCopy()).put("role", e.getKey())));
      Render.table(root().out, rows, List.of("ROLE", "CPUS", "RAM MB", "DISK MB", "GPUS"), List.of(
          r -> Render.text(r, "role"), r -> used(r, "cpus"), r -> used(r, "ramMb"), r -> used(r, "diskMb"), r -> used(r, "gpus")));
      say("(used/quota)");
      return ExitCodes.OK;
    }

    private static String used(JsonNode r, String field) {
      return Render.text(r.path("consumption"), field) + "/" + Render.text(r.path("quota"), field);
    }
  }

  @Command(name = "set", description = "Sets a role's quota.")
  static final class QuotaSet extends Verb {
    @Parameters(paramLabel = "ROLE") String role;
    @Option(names = "--cpus", required = true) double cpus;
    @Option(names = "--ram-mb", required = true) long ramMb;
    @Option(names = "--disk-mb", required = true) long diskMb;
    @Option(names = "--gpus") int gpus;

    @Override
    public Integer call() {
      ResourceQuota quota = ResourceQuota.of(cpus, ramMb, diskMb, gpus);
      return done(api().put("/quotas/" + Api.segment(role), AuroraJson.toJson(quota)),
          "Set the quota of " + role + " to " + cpus + " cpus, " + ramMb + " MB ram, " + diskMb + " MB disk, " + gpus + " gpus.");
    }
  }

  // ------------------------------------------------------------------ host

  @Command(name = "host", description = "Host maintenance: drain, end, status.",
      subcommands = {HostAction.Drain.class, HostAction.End.class, HostAction.Status.class})
  static final class HostCmd extends Group {}

  abstract static class HostAction extends Verb {
    @Parameters(arity = "0..*", paramLabel = "HOST") List<String> hosts = new ArrayList<>();

    abstract String action();

    @Override
    public Integer call() {
      JsonNode answer;
      if (hosts.isEmpty()) {
        if (!action().equals("status")) {
          throw new CliException(ExitCodes.USAGE, "give at least one HOST to " + action());
        }
        answer = api().get("/hosts");
      } else {
        ObjectNode body = NODES.objectNode();
        ArrayNode a = body.putArray("hosts");
        hosts.forEach(a::add);
        answer = api().post("/hosts/" + action(), body);
      }
      if (json()) {
        return done(answer, "");
      }
      ArrayNode rows = NODES.arrayNode();
      if (answer.isArray()) {
        answer.forEach(rows::add);
      } else {
        answer.fields().forEachRemaining(e -> rows.add(e.getValue().isObject()
            ? ((ObjectNode) e.getValue().deepCopy()).put("host", e.getKey())
            : NODES.objectNode().put("host", e.getKey()).put("mode", e.getValue().asText())));
      }
      boolean counts = rows.size() > 0 && rows.get(0).has("activeTasks");
      Render.table(root().out, rows, counts ? List.of("HOST", "MODE", "ACTIVE TASKS") : List.of("HOST", "MODE"), counts
          ? List.of(r -> Render.text(r, "host"), r -> Render.text(r, "mode"), r -> Render.text(r, "activeTasks"))
          : List.of(r -> Render.text(r, "host"), r -> Render.text(r, "mode")));
      return ExitCodes.OK;
    }

    @Command(name = "drain", description = "Drains hosts: their tasks move elsewhere, within the jobs' SLA.")
    static final class Drain extends HostAction {
      String action() { return "drain"; }
    }

    @Command(name = "end", description = "Ends maintenance of hosts: they take tasks again.")
    static final class End extends HostAction {
      String action() { return "end"; }
    }

    @Command(name = "status", description = "Shows hosts' maintenance modes (all hosts in maintenance when none given).")
    static final class Status extends HostAction {
      String action() { return "status"; }
    }
  }

  // ------------------------------------------------------------------ task

  @Command(name = "task", description = "One task: its output.", subcommands = {TaskOutput.class})
  static final class TaskCmd extends Group {}

  @Command(name = "output", description = "Prints a task's stdout (or stderr); --follow streams it until the task ends.")
  static final class TaskOutput extends Verb {
    @Parameters(paramLabel = "TASK|INSTANCE", description = "A task id, or role/env/name/instance for its current task.")
    String task;

    @Option(names = "--stream", description = "stdout or stderr (default ${DEFAULT-VALUE}).") String stream = "stdout";
    @Option(names = "--process", description = "Which process of the task (default: its first with output).") String process;
    @Option(names = "--offset", description = "Byte offset to start at; negative counts from the end (default: the last --limit bytes).") Long offset;
    @Option(names = "--limit", description = "At most this many bytes (the server's default: 65536).") Long limit;
    @Option(names = {"-f", "--follow"}, description = "Keep printing until the task ends.") boolean follow;

    @Override
    public Integer call() {
      if (!stream.equals("stdout") && !stream.equals("stderr")) {
        throw new CliException(ExitCodes.USAGE, "--stream must be stdout or stderr, was " + stream);
      }
      String id = taskId(this, task);
      Map<String, String> query = new LinkedHashMap<>();
      query.put("stream", stream);
      query.put("process", process);
      query.put("offset", offset == null ? null : offset.toString());
      query.put("limit", limit == null ? null : limit.toString());
      query.put("follow", follow ? "true" : null);
      api().stream("/tasks/" + Api.segment(id) + "/output", query, root().out);
      root().out.flush();
      return ExitCodes.OK;
    }
  }

  /** A task id as given, or the current task of {@code role/env/name/instance}. */
  static String taskId(Verb verb, String text) {
    String[] parts = text.split("/", -1);
    if (parts.length != 4) {
      return text;
    }
    JobKey key = jobKey(parts[0] + "/" + parts[1] + "/" + parts[2]);
    List<Integer> instance = instances(parts[3]);
    Map<String, String> query = new LinkedHashMap<>();
    query.put("job", key.toString());
    query.put("instance", String.valueOf(instance.get(0)));
    JsonNode tasks = verb.api().get("/tasks", query);
    String id = null;
    for (JsonNode t : tasks) {
      // the instance's active task, else its latest one
      if (id == null || !ENDED.contains(Render.text(t, "status", "state"))) {
        id = Render.text(t, "id", "taskId");
      }
    }
    if (id == null) {
      throw new CliException(ExitCodes.NOT_FOUND, "no task of instance " + text);
    }
    return id;
  }

  // ------------------------------------------------------------------ why-pending

  @Command(name = "why-pending", description = "Tells why a job's (or one task's) tasks are pending.")
  static final class WhyPending extends Verb {
    @Parameters(paramLabel = "JOB|TASK", description = "role/env/name, a task id, or role/env/name/instance.") String what;

    @Override
    public Integer call() {
      JsonNode reason = what.split("/", -1).length == 3
          ? api().get("/jobs/" + jobPath(jobKey(what)) + "/pending")
          : api().get("/tasks/" + Api.segment(taskId(this, what)) + "/pending");
      if (json()) {
        return done(reason, "");
      }
      String message = Render.text(reason, "message");
      say(message.isEmpty() ? Render.text(reason, "pendingTasks") + " tasks pending" : message);
      JsonNode vetoes = reason.path("vetoes");
      if (vetoes.isObject() && !vetoes.isEmpty()) {
        ArrayNode rows = NODES.arrayNode();
        vetoes.fields().forEachRemaining(e -> rows.add(NODES.objectNode().put("veto", e.getKey()).put("agents", e.getValue().asText())));
        Render.table(root().out, rows, List.of("REASON", "AGENTS"), List.of(r -> Render.text(r, "veto"), r -> Render.text(r, "agents")));
      }
      return ExitCodes.OK;
    }
  }

  // ------------------------------------------------------------------ backup

  @Command(name = "backup", description = "Scheduler state backups.", subcommands = {BackupNow.class, BackupList.class})
  static final class BackupCmd extends Group {}

  @Command(name = "now", description = "Takes a backup now.")
  static final class BackupNow extends Verb {
    @Override
    public Integer call() {
      JsonNode answer = api().post("/backups", NODES.objectNode());
      if (json()) {
        return done(answer, "");
      }
      say("Backup taken" + (Render.text(answer, "id", "name").isEmpty() ? "." : ": " + Render.text(answer, "id", "name")));
      return ExitCodes.OK;
    }
  }

  @Command(name = "list", description = "Lists backups.")
  static final class BackupList extends Verb {
    @Override
    public Integer call() {
      JsonNode backups = api().get("/backups");
      if (json()) {
        return done(backups, "");
      }
      Render.table(root().out, backups, "id", "time", "bytes", "generation");
      return ExitCodes.OK;
    }
  }

  // ------------------------------------------------------------------ completion

  @Command(name = "completion", description = "Prints a bash/zsh completion script: source <(aurora completion)")
  static final class Completion extends Verb {
    @Override
    public Integer call() {
      CommandLine top = spec.root().commandLine();
      root().out.print(AutoComplete.bash("aurora", top));
      return ExitCodes.OK;
    }
  }
}
