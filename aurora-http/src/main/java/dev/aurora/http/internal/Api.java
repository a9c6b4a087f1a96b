package dev.aurora.http.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aurora.api.JobConfig;
import dev.aurora.api.JobKey;
import dev.aurora.api.Principal;
import dev.aurora.api.ResourceQuota;
import dev.aurora.api.TaskId;
import dev.aurora.api.UpdateSettings;
import dev.aurora.core.AgentUtilization;
import dev.aurora.core.Authorizer;
import dev.aurora.core.FileLogBackups;
import dev.aurora.core.TaskOutput;
import dev.aurora.core.MaintenanceMode;
import dev.aurora.core.NoSuchJobException;
import dev.aurora.core.NoSuchUpdateException;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.ScheduledTask;
import dev.aurora.core.Scheduler;
import dev.aurora.core.TaskQuery;
import dev.aurora.core.UpdateDetails;
import dev.aurora.core.UpdateId;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/** The /api/v1 routes, over the public Scheduler API only. */
public final class Api {
  /** The base path. */
  public static final String BASE = "/api/v1";

  /** {instances:[..]}. */
  public record InstancesBody(List<Integer> instances) {}

  /** {count}. */
  public record CountBody(@Nullable Integer count) {}

  /** {hosts:[..]}. */
  public record HostsBody(List<String> hosts) {}

  /** Starting an update. */
  public record UpdateBody(@Nullable String job, JobConfig config, @Nullable UpdateSettings settings,
      @Nullable String message) {}

  private final Clock clock;
  private final Scheduler scheduler;
  private final Authorizer authorizer;
  private final Tokens tokens;
  private final EventHub events;
  private final List<Route> routes = new ArrayList<>();
  private final @Nullable FileLogBackups backups;
  /** The job list, kept from the scheduler's events. */
  private final JobList jobList;

  public Api(Scheduler scheduler, Authorizer authorizer, Tokens tokens, EventHub events, Clock clock,
      @Nullable FileLogBackups backups) {
    this(scheduler, authorizer, tokens, events, clock, backups, java.time.Duration.ZERO);
  }

  /**
   * {@code staleness}: how long the job list may lag the scheduler's own events (changes through this
   * API show at once); under a steady stream of events a list rebuilt on every event is a walk of every
   * job and task per read.
   */
  public Api(Scheduler scheduler, Authorizer authorizer, Tokens tokens, EventHub events, Clock clock,
      @Nullable FileLogBackups backups, java.time.Duration staleness) {
    this.backups = backups;
    this.jobList = new JobList(scheduler, staleness,
        Clock.systemUTC().equals(clock) ? System::nanoTime : () -> clock.millis() * 1_000_000L);
    this.clock = clock;
    this.scheduler = scheduler;
    this.authorizer = authorizer;
    this.tokens = tokens;
    this.events = events;
    declare();
  }

  public List<Route> routes() {
    return routes;
  }

  /** Stops following the scheduler's events. */
  public void close() {
    jobList.close();
  }

  /** A mutating route: whatever it did (or failed half-way to do), cached answers are stale after it. */
  private Route.Handler changing(Route.Handler h) {
    return c -> {
      try {
        return h.handle(c);
      } finally {
        jobList.apiChanged();
      }
    };
  }

  private void get(String path, String summary, List<String> query, Route.Handler h) {
    routes.add(new Route("GET", BASE + path, summary, false, null, query, h));
  }

  private void post(String path, String summary, @Nullable String body, Route.Handler h) {
    routes.add(new Route("POST", BASE + path, summary, true, body, List.of(), changing(h)));
  }

  private void put(String path, String summary, String body, Route.Handler h) {
    routes.add(new Route("PUT", BASE + path, summary, true, body, List.of(), changing(h)));
  }

  private void delete(String path, String summary, Route.Handler h) {
    routes.add(new Route("DELETE", BASE + path, summary, true, null, List.of(), changing(h)));
  }

  /** Whether an Accept-Encoding header accepts gzip (named, or by *, without q=0). */
  static boolean acceptsGzip(Optional<String> acceptEncoding) {
    if (acceptEncoding.isEmpty()) {
      return false;
    }
    for (String part : acceptEncoding.get().split(",")) {
      String[] p = part.split(";");
      String coding = p[0].strip().toLowerCase(java.util.Locale.ROOT);
      if (!coding.equals("gzip") && !coding.equals("x-gzip")) {
        continue;
      }
      for (int i = 1; i < p.length; i++) {
        String q = p[i].strip().replace(" ", "");
        if (q.startsWith("q=") && q.substring(2).matches("0(\\.0*)?")) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  /**
   * The answer to {@code GET /api/v1/jobs} if the job list has one at hand to serve now (no build, no
   * read of the scheduler: {@link JobList#readIfAtHand}), or null: then the request is to go the usual
   * way, on a request thread.
   */
  public @Nullable Reply jobListIfAtHand(Exchange ex, Principal principal) {
    Call c = new Call(ex, Map.of(), principal, new byte[0]);
    JobList.Body body = jobList.readIfAtHand(c.query("role"));
    if (body == null || (!body.hasGzip() && acceptsGzip(ex.header("Accept-Encoding")))) {
      return null;   // (the gzip is made once per answer, by a read on a request thread)
    }
    return jobList(c, body);
  }

  private static Reply jobList(Call c, JobList.Body body) {
    boolean gzip = acceptsGzip(c.exchange().header("Accept-Encoding"));
    String etag = gzip ? body.gzipEtag() : body.etag();
    Optional<String> ifNoneMatch = c.exchange().header("If-None-Match");
    Reply reply = ifNoneMatch.isPresent() && body.matches(ifNoneMatch.get())
        ? Reply.bytes(304, "", new byte[0])
        : gzip ? Reply.bytes(200, "application/json", body.gzip()).header("Content-Encoding", "gzip")
        : Reply.bytes(200, "application/json", body.json());
    return reply.header("ETag", etag).header("Vary", "Accept-Encoding").header("Cache-Control", "no-cache");
  }

  private static Reply json(int status, Object value) {
    return Reply.bytes(status, "application/json", Json.write(value));
  }

  private static Reply ok(Object value) {
    return json(200, value);
  }

  private static final String JOB = "/jobs/{role}/{env}/{name}";

  private void declare() {
    get("/jobs", "List jobs (optionally of one role) with task counts by state", List.of("role"), c -> {
      return jobList(c, jobList.read(c.query("role")));
    });
    post("/jobs", "Create a job from a JobConfig", "JobConfig", c -> {
      JobConfig job = c.json(JobConfig.class);
      scheduler.createJob(job, c.principal());
      return json(201, summary(job)).header("Location", BASE + "/jobs/" + job.key());
    });
    get(JOB, "A job's config and its tasks", List.of(), c -> {
      JobKey key = c.job();
      JobConfig job = scheduler.job(key).orElseThrow(() -> new NoSuchJobException(key));
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("config", job);
      out.put("summary", summary(job));
      out.put("tasks", scheduler.tasks(TaskQuery.job(key)));
      out.put("now", clock.instant());
      return ok(out);
    });
    delete(JOB, "Kill a job (every instance) and remove it", c -> {
      JobKey key = c.job();
      requireJob(key);
      scheduler.killJob(key, c.principal());
      return Reply.noContent();
    });
    post(JOB + "/kill", "Kill some instances", "{instances:[int]}", c -> {
      JobKey key = c.job();
      Set<Integer> instances = instances(c.json(InstancesBody.class), false);
      requireJob(key);
      scheduler.killInstances(key, instances, c.principal());
      return Reply.noContent();
    });
    post(JOB + "/restart", "Restart some instances (none named: all)", "{instances:[int]}", c -> {
      JobKey key = c.job();
      Set<Integer> instances = c.body().length == 0 ? Set.of() : instances(c.json(InstancesBody.class), true);
      JobConfig job = requireJob(key);
      if (instances.isEmpty()) {
        instances = IntStream.range(0, job.instances()).boxed().collect(Collectors.toCollection(TreeSet::new));
      }
      scheduler.restartInstances(key, instances, c.principal());
      return Reply.noContent();
    });
    post(JOB + "/instances", "Add instances", "{count:int}", c -> {
      JobKey key = c.job();
      CountBody countBody = c.json(CountBody.class);
      if (countBody.count() == null) {
        throw ApiProblem.badField("count", "is required");
      }
      int count = countBody.count();
      if (count < 1) {
        throw ApiProblem.badField("count", "must be at least 1, was " + count);
      }
      requireJob(key);
      scheduler.addInstances(key, count, c.principal());
      return Reply.noContent();
    });
    post(JOB + "/diff", "Compare a job with a new config", "JobConfig", c -> {
      JobKey key = c.job();
      JobConfig to = c.json(JobConfig.class);
      JobConfig from = requireJob(key);
      return ok(diff(from, to));
    });
    get(JOB + "/pending", "Why a job's tasks are pending", List.of(), c -> {
      JobKey key = c.job();
      requireJob(key);
      return ok(scheduler.whyPending(key));
    });
    get("/tasks", "Query tasks", List.of("job", "state", "host", "instance"), c -> ok(scheduler.tasks(query(c))));
    get("/tasks/{taskId}", "One task with its event history", List.of(), c -> ok(task(c)));
    get("/tasks/{taskId}/pending", "Why one task is pending", List.of(), c -> {
      ScheduledTask t = task(c);
      return ok(scheduler.whyPending(t.id()));
    });
    get("/tasks/{taskId}/output", "A task's output: one process's stdout or stderr, its tail, from an offset, or followed until the task ends",
        List.of("stream", "process", "offset", "limit", "follow"), c -> {
          ScheduledTask t = task(c);
          TaskOutput output = scheduler.taskOutput().orElseThrow(() -> new ApiProblem(501, "not implemented",
              "this scheduler's backend keeps no task output (the local backend does; read it where the task ran)"));
          return Output.serve(c, scheduler, output, t);
        });
    post("/updates", "Start a rolling update", "{job, config:JobConfig, settings?:UpdateSettings, message?}", c -> {
      UpdateBody body = c.json(UpdateBody.class);
      if (body.config() == null) {
        throw ApiProblem.badField("config", "is required: the job config to update to");
      }
      JobKey key = body.job() == null ? body.config().key() : Call.jobKey("job", body.job());
      if (!key.equals(body.config().key())) {
        throw ApiProblem.badField("config.key", "is " + body.config().key() + " but the update is of " + key);
      }
      requireJob(key);
      String message = body.message() == null ? "" : body.message();
      UpdateId id = body.settings() == null
          ? scheduler.startUpdate(key, body.config(), c.principal(), message)
          : scheduler.startUpdate(key, body.config(), body.settings(), c.principal(), message);
      return json(201, Map.of("id", id.value())).header("Location", BASE + "/updates/" + id.value());
    });
    get("/updates", "A job's updates (newest first), or every job's", List.of("job"), c -> {
      Optional<String> job = c.query("job");
      if (job.isPresent()) {
        JobKey key = Call.jobKey("job", job.get());
        return ok(scheduler.updates(key));
      }
      List<UpdateDetails> all = new ArrayList<>();
      for (JobConfig j : scheduler.jobs()) {
        all.addAll(scheduler.updates(j.key()));
      }
      all.sort((a, b) -> b.started().compareTo(a.started()));
      return ok(all);
    });
    get("/updates/{id}", "One update with per-instance progress", List.of(), c -> ok(update(c)));
    updateAction("pause", (id, c) -> scheduler.pauseUpdate(id, c.principal()));
    updateAction("resume", (id, c) -> scheduler.resumeUpdate(id, c.principal()));
    updateAction("abort", (id, c) -> scheduler.abortUpdate(id, c.principal()));
    updateAction("rollback", (id, c) -> scheduler.rollbackUpdate(id, c.principal()));
    updateAction("pulse", (id, c) -> scheduler.pulseUpdate(id, c.principal()));
    post("/cron/{role}/{env}/{name}/start", "Start a cron job now", null, c -> {
      JobKey key = c.job();
      requireCron(key);
      scheduler.startCronJob(key, c.principal());
      return Reply.noContent();
    });
    delete("/cron/{role}/{env}/{name}", "Deschedule a cron job", c -> {
      JobKey key = c.job();
      requireCron(key);
      scheduler.killJob(key, c.principal());
      return Reply.noContent();
    });
    get("/cron/{role}/{env}/{name}", "A cron job's schedule and next firings", List.of("count"), c -> {
      JobKey key = c.job();
      JobConfig job = requireCron(key);
      int count = c.intQuery("count", 1, 100).orElse(5);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("schedule", job.cron().orElseThrow().expression());
      out.put("timezone", job.cron().orElseThrow().timezone().getId());
      out.put("policy", job.cron().orElseThrow().collisionPolicy());
      out.put("next", scheduler.nextCronRuns(key, count));
      return ok(out);
    });
    get("/quotas", "Every role's quota and consumption", List.of(), c -> {
      Map<String, Object> out = new TreeMap<>();
      scheduler.quotas().forEach((role, quota) -> out.put(role, quota(role, quota)));
      return ok(out);
    });
    get("/quotas/{role}", "One role's quota and consumption", List.of(), c -> {
      String role = role(c);
      ResourceQuota quota = scheduler.quota(role).orElseThrow(() -> ApiProblem.notFound("role " + role + " has no quota"));
      return ok(quota(role, quota));
    });
    put("/quotas/{role}", "Set a role's quota", "ResourceQuota", c -> {
      String role = role(c);
      ResourceQuota quota = c.json(ResourceQuota.class);
      scheduler.setQuota(role, quota, c.principal());
      return ok(quota(role, quota));
    });
    delete("/quotas/{role}", "Remove a role's quota", c -> {
      scheduler.removeQuota(role(c), c.principal());
      return Reply.noContent();
    });
    get("/hosts", "Hosts in maintenance, and hosts running tasks", List.of(), c -> ok(hosts(null)));
    hostAction("drain", MaintenanceMode.DRAINING);
    hostAction("end", MaintenanceMode.NONE);
    hostAction("status", null);
    get("/utilization", "Allocation per agent and grouped by agent attributes (zone and rack unless ?by= names others)",
        List.of("by"), c -> {
          List<String> by = new ArrayList<>();
          for (String a : c.query("by").orElse("zone,rack").split(",")) {
            if (!a.isBlank()) {
              by.add(a.strip());
            }
          }
          List<AgentUtilization> agents = scheduler.utilization();
          Map<String, Object> groups = new LinkedHashMap<>();
          for (String attribute : by) {
            Map<String, List<AgentUtilization>> byValue = new TreeMap<>();
            for (AgentUtilization a : agents) {
              byValue.computeIfAbsent(a.attributes().getOrDefault(attribute, ""), k -> new ArrayList<>()).add(a);
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            byValue.forEach((value, members) -> {
              Map<String, Object> row = allocation(members);
              row.put("value", value);
              rows.add(row);
            });
            groups.put(attribute, rows);
          }
          Map<String, Object> out = new LinkedHashMap<>();
          out.put("total", allocation(agents));
          out.put("groups", groups);
          out.put("agents", agents);
          return ok(out);
        });
    get("/audit", "The audit log, newest last", List.of("limit"), c -> {
      var all = scheduler.audit();
      int limit = c.intQuery("limit", 1, 100_000).orElse(all.size());
      return ok(all.subList(Math.max(0, all.size() - limit), all.size()));
    });
    get("/events", "Server-Sent Events of task, job and update changes (resumable with Last-Event-ID)", List.of(),
        c -> events.stream(c.exchange().header("Last-Event-ID")));
    get("/session", "Who the caller is, its CSRF token, and what it may do on a role", List.of("role"), c -> {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("principal", c.principal().name());
      out.put("csrfToken", tokens.csrf(c.principal().name()));
      Optional<String> role = c.query("role");
      if (role.isPresent()) {
        Map<String, Boolean> may = new LinkedHashMap<>();
        for (String action : List.of("killInstances", "restartInstances", "pauseUpdate", "resumeUpdate")) {
          may.put(action, authorizer.mayActOnRole(c.principal(), action, role.get()));
        }
        out.put("may", may);
      }
      return ok(out);
    });
    get("/backups", "The backups under the backup root, oldest first", List.of(), c -> {
      FileLogBackups b = requireBackups();
      return ok(b.list().stream().map(Api::backup).toList());
    });
    post("/backups", "Take a backup now", null, c -> {
      FileLogBackups b = requireBackups();
      if (!authorizer.mayActOnCluster(c.principal(), "backupNow")) {
        throw new ApiProblem(403, "forbidden", c.principal().name() + " may not backupNow on the cluster");
      }
      Map<String, Object> taken = backup(b.backupNow());
      return json(201, taken).header("Location", BASE + "/backups/" + taken.get("id"));
    });
    get("/openapi.json", "This API as an OpenAPI 3.1 document", List.of(),
        c -> ok(OpenApi.document(routes)));
  }

  private static Map<String, Object> allocation(List<AgentUtilization> agents) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("agents", agents.size());
    m.put("cpus", agents.stream().mapToDouble(AgentUtilization::cpus).sum());
    m.put("usedCpus", agents.stream().mapToDouble(AgentUtilization::usedCpus).sum());
    m.put("ramMb", agents.stream().mapToLong(AgentUtilization::ramMb).sum());
    m.put("usedRamMb", agents.stream().mapToLong(AgentUtilization::usedRamMb).sum());
    m.put("tasks", agents.stream().mapToInt(AgentUtilization::tasks).sum());
    return m;
  }

  private FileLogBackups requireBackups() {
    if (backups == null) {
      throw new ApiProblem(501, "not implemented", "this server takes no backups: start it with "
          + "OperatorServer.builder().backups(FileLogBackups...) on a scheduler with file-log storage");
    }
    return backups;
  }

  private static Map<String, Object> backup(FileLogBackups.Backup b) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", b.directory().getFileName().toString());
    m.put("time", b.time());
    m.put("bytes", b.bytes());
    m.put("generation", b.generation());
    m.put("snapshotBytes", b.snapshotBytes());
    m.put("logBytes", b.logBytes());
    m.put("directory", b.directory().toString());
    return m;
  }

  private void updateAction(String action, BiConsumer<UpdateId, Call> op) {
    post("/updates/{id}/" + action, action.substring(0, 1).toUpperCase() + action.substring(1) + " an update", null, c -> {
      UpdateDetails u = update(c);
      op.accept(u.id(), c);
      return Reply.noContent();
    });
  }

  private void hostAction(String action, @Nullable MaintenanceMode mode) {
    post("/hosts/" + action, mode == null ? "Hosts' maintenance modes" : "Set hosts' maintenance to " + mode,
        "{hosts:[string]}", c -> {
          HostsBody body = c.json(HostsBody.class);
          if (body.hosts() == null || body.hosts().isEmpty()) {
            throw ApiProblem.badField("hosts", "must name at least one host");
          }
          Set<String> hosts = new LinkedHashSet<>();
          for (int i = 0; i < body.hosts().size(); i++) {
            String h = body.hosts().get(i);
            if (h.isBlank()) {
              throw ApiProblem.badField("hosts[" + i + "]", "must not be blank");
            }
            hosts.add(h);
          }
          if (mode != null) {
            scheduler.setMaintenance(hosts, mode, c.principal());
          }
          return ok(hosts(hosts));
        });
  }

  private List<Map<String, Object>> hosts(@Nullable Set<String> only) {
    Map<String, MaintenanceMode> modes = scheduler.maintenance();
    Map<String, Integer> tasks = new TreeMap<>();
    for (ScheduledTask t : scheduler.tasks(TaskQuery.all().active())) {
      t.host().ifPresent(h -> tasks.merge(h, 1, Integer::sum));
    }
    Set<String> names = new TreeSet<>(modes.keySet());
    names.addAll(tasks.keySet());
    if (only != null) {
      names = new TreeSet<>(only);
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (String h : names) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("host", h);
      m.put("mode", modes.getOrDefault(h, MaintenanceMode.NONE));
      m.put("activeTasks", tasks.getOrDefault(h, 0));
      out.add(m);
    }
    return out;
  }

  private Map<String, Object> quota(String role, ResourceQuota quota) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("quota", quota);
    m.put("consumption", scheduler.quotaConsumption(role));
    return m;
  }

  private static String role(Call c) {
    String role = c.param("role");
    try {
      return JobKey.checkRole(role);
    } catch (RuntimeException e) {
      throw ApiProblem.badField("role", e.getMessage());
    }
  }

  private JobConfig requireJob(JobKey key) {
    return scheduler.job(key).orElseThrow(() -> new NoSuchJobException(key));
  }

  private JobConfig requireCron(JobKey key) {
    JobConfig job = requireJob(key);
    if (!job.isCron()) {
      throw new ApiProblem(400, "not a cron job", key + " is not a cron job; use " + BASE + "/jobs/" + key);
    }
    return job;
  }

  private ScheduledTask task(Call c) {
    String id = c.param("taskId");
    TaskId taskId;
    try {
      taskId = TaskId.of(id);
    } catch (RuntimeException e) {
      throw ApiProblem.badField("taskId", String.valueOf(e.getMessage()));
    }
    return scheduler.task(taskId).orElseThrow(() -> ApiProblem.notFound("no task " + id));
  }

  private UpdateDetails update(Call c) {
    UpdateId id;
    try {
      id = new UpdateId(c.param("id"));
    } catch (RuntimeException e) {
      throw ApiProblem.badField("id", String.valueOf(e.getMessage()));
    }
    return scheduler.update(id).orElseThrow(() -> new NoSuchUpdateException(id));
  }

  private static Set<Integer> instances(InstancesBody body, boolean mayBeEmpty) {
    if (body.instances() == null || (!mayBeEmpty && body.instances().isEmpty())) {
      throw ApiProblem.badField("instances", "must name at least one instance");
    }
    Set<Integer> out = new TreeSet<>();
    for (int i = 0; i < body.instances().size(); i++) {
      int n = body.instances().get(i);
      if (n < 0) {
        throw ApiProblem.badField("instances[" + i + "]", "must be >= 0, was " + n);
      }
      out.add(n);
    }
    return out;
  }

  private static TaskQuery query(Call c) {
    TaskQuery q = TaskQuery.all();
    Optional<String> job = c.query("job");
    if (job.isPresent()) {
      q = TaskQuery.job(Call.jobKey("job", job.get()));
    }
    Optional<String> state = c.query("state");
    if (state.isPresent() && !state.get().isEmpty()) {
      List<ScheduleStatus> states = new ArrayList<>();
      for (String s : state.get().split(",")) {
        try {
          states.add(ScheduleStatus.valueOf(s.strip().toUpperCase()));
        } catch (IllegalArgumentException e) {
          throw ApiProblem.badField("state", "unknown state '" + s + "'; known: " + List.of(ScheduleStatus.values()));
        }
      }
      q = q.states(states.get(0), states.subList(1, states.size()).toArray(new ScheduleStatus[0]));
    }
    Optional<String> host = c.query("host");
    if (host.isPresent() && !host.get().isEmpty()) {
      q = q.host(host.get());
    }
    Optional<Integer> instance = c.intQuery("instance", 0, Integer.MAX_VALUE);
    if (instance.isPresent()) {
      q = q.instances(Set.of(instance.get()));
    }
    return q;
  }

  private Map<String, Object> summary(JobConfig job) {
    Map<String, Integer> states = new TreeMap<>();
    for (ScheduledTask t : scheduler.tasks(TaskQuery.job(job.key()).active())) {
      states.merge(t.status().name(), 1, Integer::sum);
    }
    return summary(job, states);
  }

  private static Map<String, Object> summary(JobConfig job, Map<String, Integer> states) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("key", job.key().toString());
    m.put("type", job.isCron() ? "cron" : job.isService() ? "service" : "adhoc");
    m.put("instances", job.instances());
    m.put("active", new TreeMap<>(states));
    return m;
  }

  /** Field-level differences between two configs, as JSON paths. */
  static Map<String, Object> diff(JobConfig from, JobConfig to) {
    JsonNode a = Json.mapper().valueToTree(from);
    JsonNode b = Json.mapper().valueToTree(to);
    List<Map<String, Object>> changes = new ArrayList<>();
    diff("", a, b, changes);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("changes", changes);
    out.put("instancesAdded", Math.max(0, to.instances() - from.instances()));
    out.put("instancesRemoved", Math.max(0, from.instances() - to.instances()));
    return out;
  }

  private static void diff(String path, @Nullable JsonNode a, @Nullable JsonNode b, List<Map<String, Object>> out) {
    if (a != null && b != null && a.equals(b)) {
      return;
    }
    if (a instanceof ObjectNode oa && b instanceof ObjectNode ob) {
      Set<String> names = new TreeSet<>();
      oa.fieldNames().forEachRemaining(names::add);
      ob.fieldNames().forEachRemaining(names::add);
      for (String n : names) {
        diff(path.isEmpty() ? n : path + "." + n, oa.get(n), ob.get(n), out);
      }
      return;
    }
    if (a instanceof com.fasterxml.jackson.databind.node.ArrayNode la
        && b instanceof com.fasterxml.jackson.databind.node.ArrayNode lb) {
      // element by element, so a change names the field inside the list (task.processes[0].command)
      for (int i = 0; i < Math.max(la.size(), lb.size()); i++) {
        diff(path + "[" + i + "]", la.get(i), lb.get(i), out);
      }
      return;
    }
    Map<String, Object> change = new LinkedHashMap<>();
    change.put("field", path);
    change.put("from", a);
    change.put("to", b);
    out.add(change);
  }
}
