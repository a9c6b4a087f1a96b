package dev.aurora.benchmarks;

import com.netflix.fenzo.ConstraintEvaluator;
import com.netflix.fenzo.SchedulingResult;
import com.netflix.fenzo.TaskAssignmentResult;
import com.netflix.fenzo.TaskRequest;
import com.netflix.fenzo.TaskScheduler;
import com.netflix.fenzo.TaskTracker;
import com.netflix.fenzo.TaskTrackerState;
import com.netflix.fenzo.VMAssignmentResult;
import com.netflix.fenzo.VMTaskFitnessCalculator;
import com.netflix.fenzo.VirtualMachineCurrentState;
import com.netflix.fenzo.VirtualMachineLease;
import com.netflix.fenzo.functions.Action2;
import com.netflix.fenzo.plugins.BinPackingFitnessCalculators;
import com.netflix.fenzo.plugins.HostAttrValueConstraint;
import com.netflix.fenzo.plugins.UniqueHostAttrConstraint;
import com.netflix.fenzo.plugins.VMLeaseObject;
import dev.aurora.api.Constraint;
import dev.aurora.api.JobConfig;
import dev.aurora.api.Resources;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.mesos.Protos;

/**
 * Netflix Fenzo on a workload, used as its docs describe: Mesos offers become {@link VMLeaseObject}
 * leases, each task a {@link TaskRequest} with hard constraints from Fenzo's own plugins ({@link
 * UniqueHostAttrConstraint} for {@code host:1} and {@code rack:1}, {@link HostAttrValueConstraint} for
 * a zone) or, where Fenzo has none, a {@link ConstraintEvaluator} of ours ({@link RackLimit}: at most N
 * tasks of the job per rack, counted the way Fenzo's plugins count co-tasks). Fitness is {@link
 * BinPackingFitnessCalculators#cpuMemBinPacker}; with {@code goodEnough} the search for a host stops at
 * the first host whose fitness is above {@link #GOOD_ENOUGH}.
 *
 * <p>Like a Mesos framework, and as Fenzo's documentation advises, the harness calls {@code scheduleOnce}
 * with every pending task and the new offers ({@link #placeAllPending}: again with what is still pending
 * until a call places nothing), tells Fenzo of each launch through {@code getTaskAssigner()}, and offers back what
 * was left of each used lease (as Mesos re-offers unused resources).
 */
public final class FenzoHarness implements AutoCloseable {
  /**
   * The "good enough" fitness: the search for a host stops at the first whose fitness is above it. Fenzo's
   * own examples use 0.5 to 0.9; we take 0.5, the cheapest of them (issue 14 asks for "> 0.5").
   */
  public static final double GOOD_ENOUGH = 0.5;

  public final Workload workload;
  public final boolean goodEnough;
  public final TaskScheduler scheduler;
  private final Action2<TaskRequest, String> assigner;
  private final List<BenchTask> tasks = new ArrayList<>();
  private final Map<String, BenchTask> byId = new HashMap<>();
  private List<VirtualMachineLease> newLeases = new ArrayList<>();
  private long leaseSeq;

  public FenzoHarness(Workload w, boolean goodEnough) {
    this.workload = w;
    this.goodEnough = goodEnough;
    TaskScheduler.Builder b = new TaskScheduler.Builder()
        .withLeaseOfferExpirySecs(1_000_000_000L)
        .withLeaseRejectAction(lease -> { })
        .withFitnessCalculator(BinPackingFitnessCalculators.cpuMemBinPacker);
    if (goodEnough) {
      b.withFitnessGoodEnoughFunction(f -> f > GOOD_ENOUGH);
    }
    this.scheduler = b.build();
    this.assigner = scheduler.getTaskAssigner();
    int inst = w.jobs.isEmpty() ? 0 : w.jobs.get(0).instances();
    for (int j = 0; j < w.jobs.size(); j++) {
      JobConfig job = w.jobs.get(j);
      Set<String> coTasks = new LinkedHashSet<>();
      List<ConstraintEvaluator> hard = constraints(job, coTasks);
      for (int i = 0; i < job.instances(); i++) {
        BenchTask t = new BenchTask(job.key() + "/" + i, j * inst + i, job.key().toString(), job.task().resources(),
            hard, coTasks);
        coTasks.add(t.id);
        tasks.add(t);
        byId.put(t.id, t);
      }
    }
    for (int a = 0; a < w.agents; a++) {
      newLeases.add(lease(a, w.agentCpus, w.agentRamMb, w.agentDiskMb, List.of(new int[] {w.portBase,
          w.portBase + w.portCount - 1})));
    }
  }

  private List<ConstraintEvaluator> constraints(JobConfig job, Set<String> coTasks) {
    List<ConstraintEvaluator> hard = new ArrayList<>();
    for (Constraint c : job.task().constraints()) {
      if (c.isLimit() && c.attribute().equals("host") && c.limit().getAsInt() == 1) {
        hard.add(new UniqueHostAttrConstraint(id -> coTasks));
      } else if (c.isLimit() && c.limit().getAsInt() == 1) {
        hard.add(new UniqueHostAttrConstraint(id -> coTasks, c.attribute()));
      } else if (c.isLimit()) {
        hard.add(new RackLimit(c.attribute(), c.limit().getAsInt(), coTasks));
      } else {
        String value = c.values().first();
        hard.add(new HostAttrValueConstraint(c.attribute(), id -> value));
      }
    }
    return Collections.unmodifiableList(hard);
  }

  /** A Mesos offer of agent {@code a}'s free resources, as a Fenzo lease. */
  private VirtualMachineLease lease(int a, double cpus, double ramMb, double diskMb, List<int[]> ports) {
    Protos.Value.Ranges.Builder ranges = Protos.Value.Ranges.newBuilder();
    for (int[] r : ports) {
      ranges.addRange(Protos.Value.Range.newBuilder().setBegin(r[0]).setEnd(r[1]));
    }
    Protos.Offer offer = Protos.Offer.newBuilder()
        .setId(Protos.OfferID.newBuilder().setValue("offer-" + (++leaseSeq)))
        .setFrameworkId(Protos.FrameworkID.newBuilder().setValue("bench"))
        .setSlaveId(Protos.SlaveID.newBuilder().setValue("agent-" + a))
        .setHostname(workload.hostname(a))
        .addResources(scalar("cpus", cpus))
        .addResources(scalar("mem", ramMb))
        .addResources(scalar("disk", diskMb))
        .addResources(Protos.Resource.newBuilder().setName("ports").setType(Protos.Value.Type.RANGES)
            .setRanges(ranges))
        .addAttributes(text("rack", workload.rack(a)))
        .addAttributes(text("zone", workload.zone(a)))
        .build();
    return new VMLeaseObject(offer);
  }

  private static Protos.Resource scalar(String name, double value) {
    return Protos.Resource.newBuilder().setName(name).setType(Protos.Value.Type.SCALAR)
        .setScalar(Protos.Value.Scalar.newBuilder().setValue(value)).build();
  }

  private static Protos.Attribute text(String name, String value) {
    return Protos.Attribute.newBuilder().setName(name).setType(Protos.Value.Type.TEXT)
        .setText(Protos.Value.Text.newBuilder().setValue(value)).build();
  }

  /** Every task, as Fenzo's docs advise: {@link #placeAllPending}. */
  public Outcome placeAll(long budgetNanos) {
    return placeAllPending(budgetNanos);
  }

  /**
   * Schedules as Fenzo's documentation advises: each {@code scheduleOnce} call gets every task still
   * pending and the new leases (at first a lease per agent, then what was left of each used lease), and
   * calls go on until one places nothing (what is left cannot be placed) or every task is placed. Stops
   * early once {@code budgetNanos} of wall time are spent: the tasks still pending then count as not
   * tried. The timed part is the scheduling calls, the task-assigner calls and building the re-offers.
   */
  public Outcome placeAllPending(long budgetNanos) {
    Outcome o = new Outcome(engineName(), workload);
    long start = System.nanoTime();
    List<BenchTask> pending = new ArrayList<>(tasks);
    while (!pending.isEmpty()) {
      scheduleOnce(pending, o);
      calls++;
      List<BenchTask> left = new ArrayList<>();
      for (BenchTask t : pending) {
        if (o.agentOf[t.index] < 0) {
          left.add(t);
        }
      }
      boolean progress = left.size() < pending.size();
      pending = left;
      if (!progress) {
        break;
      }
      if (System.nanoTime() - start > budgetNanos) {
        for (BenchTask t : pending) {
          o.tried[t.index] = false; // cut short: not known to be unplaceable
        }
        break;
      }
    }
    o.nanos = System.nanoTime() - start;
    return o;
  }

  private int calls;

  /** How many {@code scheduleOnce} calls this harness made. */
  public int calls() {
    return calls;
  }

  /**
   * Schedules every task in calls of {@code batch} tasks (not what Fenzo's docs advise: each call pays
   * Fenzo's fixed cost of a pass over every VM; kept to compare with earlier figures), stopping early once {@code budgetNanos} of
   * wall time are spent (the outcome then says which tasks were not tried). The timed part is the
   * scheduling calls, the task-assigner calls and building the re-offers.
   */
  public Outcome placeAll(long budgetNanos, int batchSize) {
    Outcome o = new Outcome(engineName(), workload);
    long start = System.nanoTime();
    for (int from = 0; from < tasks.size(); from += batchSize) {
      List<BenchTask> batch = tasks.subList(from, Math.min(tasks.size(), from + batchSize));
      scheduleOnce(batch, o);
      if (System.nanoTime() - start > budgetNanos) {
        break;
      }
    }
    o.nanos = System.nanoTime() - start;
    return o;
  }

  /** One scheduling call: places what it can of {@code batch}, records it, and re-offers the rest. */
  public void scheduleOnce(List<? extends TaskRequest> batch, Outcome o) {
    SchedulingResult result = scheduler.scheduleOnce(batch, newLeases);
    newLeases = new ArrayList<>();
    if (!result.getExceptions().isEmpty()) {
      throw new IllegalStateException("fenzo failed", result.getExceptions().get(0));
    }
    for (TaskRequest t : batch) {
      o.tried[((BenchTask) t).index] = true;
    }
    for (VMAssignmentResult r : result.getResultMap().values()) {
      int agent = workload.agentOfHost(r.getHostname());
      double cpus = 0;
      double ram = 0;
      double disk = 0;
      java.util.BitSet used = new java.util.BitSet();
      for (VirtualMachineLease l : r.getLeasesUsed()) {
        cpus += l.cpuCores();
        ram += l.memoryMB();
        disk += l.diskMB();
      }
      for (TaskAssignmentResult a : r.getTasksAssigned()) {
        BenchTask t = (BenchTask) a.getRequest();
        assigner.call(t, r.getHostname());
        o.agentOf[t.index] = agent;
        o.portOf[t.index] = a.getAssignedPorts().isEmpty() ? -1 : a.getAssignedPorts().get(0);
        for (int p : a.getAssignedPorts()) {
          used.set(p);
        }
        cpus -= t.getCPUs();
        ram -= t.getMemory();
        disk -= t.getDisk();
      }
      List<int[]> free = new ArrayList<>();
      for (VirtualMachineLease l : r.getLeasesUsed()) {
        for (VirtualMachineLease.Range range : l.portRanges()) {
          int begin = -1;
          for (int p = range.getBeg(); p <= range.getEnd() + 1; p++) {
            boolean isFree = p <= range.getEnd() && !used.get(p);
            if (isFree && begin < 0) {
              begin = p;
            } else if (!isFree && begin >= 0) {
              free.add(new int[] {begin, p - 1});
              begin = -1;
            }
          }
        }
      }
      if (cpus > 1e-9 && ram > 0) {
        newLeases.add(lease(agent, cpus, ram, disk, free));
      }
    }
  }

  /**
   * Takes on the cluster of {@code placed} as its own: each agent's unused resources are on offer and
   * every placed task runs there (told to Fenzo through the task assigner). Returns the outcome that
   * {@link #replace} keeps current.
   */
  public Outcome adopt(Outcome placed) {
    Workload w = workload;
    double[] cpus = new double[w.agents];
    double[] ram = new double[w.agents];
    double[] disk = new double[w.agents];
    List<List<Integer>> ports = new ArrayList<>();
    for (int a = 0; a < w.agents; a++) {
      ports.add(new ArrayList<>());
    }
    Outcome o = new Outcome(engineName(), w);
    for (BenchTask t : tasks) {
      int a = placed.agentOf[t.index];
      o.tried[t.index] = placed.tried[t.index];
      if (a >= 0) {
        cpus[a] += t.getCPUs();
        ram[a] += t.getMemory();
        disk[a] += t.getDisk();
        ports.get(a).add(placed.portOf[t.index]);
        o.agentOf[t.index] = a;
        o.portOf[t.index] = placed.portOf[t.index];
      }
    }
    newLeases = new ArrayList<>();
    for (int a = 0; a < w.agents; a++) {
      List<int[]> free = new ArrayList<>();
      int begin = -1;
      for (int p = w.portBase; p <= w.portBase + w.portCount; p++) {
        boolean isFree = p < w.portBase + w.portCount && !ports.get(a).contains(p);
        if (isFree && begin < 0) {
          begin = p;
        } else if (!isFree && begin >= 0) {
          free.add(new int[] {begin, p - 1});
          begin = -1;
        }
      }
      newLeases.add(lease(a, w.agentCpus - cpus[a], w.agentRamMb - ram[a], w.agentDiskMb - disk[a], free));
    }
    scheduler.scheduleOnce(List.of(), newLeases);
    newLeases = new ArrayList<>();
    for (BenchTask t : tasks) {
      if (o.agentOf[t.index] >= 0) {
        assigner.call(t, w.hostname(o.agentOf[t.index]));
      }
    }
    current = new ArrayList<>(tasks);
    return o;
  }

  private List<BenchTask> current;
  private int attempts;

  private String engineName() {
    return goodEnough ? "fenzo" : "fenzo-full-search";
  }

  /**
   * Ends the task of slot {@code index} (as on a terminal status update: unassigned, its resources
   * offered back) and schedules its replacement; {@code o} records where the replacement went.
   */
  public void replace(int index, Outcome o) {
    BenchTask old = current.get(index);
    int agent = o.agentOf[index];
    unassign(old, agent);
    BenchTask next = old.replacement(++attempts);
    current.set(index, next);
    o.agentOf[index] = -1;
    int port = o.portOf[index];
    o.portOf[index] = -1;
    List<int[]> ports = port >= 0 ? List.<int[]>of(new int[] {port, port}) : List.of();
    newLeases.add(lease(agent, old.getCPUs(), old.getMemory(), old.getDisk(), ports));
    scheduleOnce(List.of(next), o);
  }

  /** The task requests, in workload order. */
  public List<BenchTask> tasks() {
    return tasks;
  }

  /** Makes new leases of these (agent, cpus, ram, disk, ports) available to the next scheduling call. */
  public void offer(int agent, double cpus, double ramMb, double diskMb, List<int[]> ports) {
    newLeases.add(lease(agent, cpus, ramMb, diskMb, ports));
  }

  /** Tells Fenzo a task ended, as a framework does on a terminal status update. */
  public void unassign(BenchTask t, int agent) {
    scheduler.getTaskUnAssigner().call(t.id, workload.hostname(agent));
  }

  @Override
  public void close() {
    scheduler.shutdown();
  }

  /** At most {@code limit} tasks of the job per value of {@code attribute}: Fenzo has no such plugin. */
  static final class RackLimit implements ConstraintEvaluator {
    private final String attribute;
    private final int limit;
    private final Set<String> coTasks;
    private final String name;

    RackLimit(String attribute, int limit, Set<String> coTasks) {
      this.attribute = attribute;
      this.limit = limit;
      this.coTasks = coTasks;
      this.name = "limit " + attribute + ":" + limit;
    }

    @Override
    public String getName() {
      return name;
    }

    @Override
    public Result evaluate(TaskRequest task, VirtualMachineCurrentState vm, TaskTrackerState state) {
      String value = valueOf(vm.getCurrAvailableResources(), attribute);
      if (value == null) {
        return new Result(false, attribute + " unknown on " + vm.getHostname());
      }
      Map<String, TaskTracker.ActiveTask> running = state.getAllRunningTasks();
      Map<String, TaskTracker.ActiveTask> assigned = state.getAllCurrentlyAssignedTasks();
      int n = 0;
      for (String co : coTasks) {
        TaskTracker.ActiveTask a = running.get(co);
        if (a == null) {
          a = assigned.get(co);
        }
        if (a != null && value.equals(valueOf(a.getTotalLease(), attribute)) && ++n >= limit) {
          return new Result(false, name + " reached on " + value);
        }
      }
      return new Result(true, "");
    }

    private static String valueOf(VirtualMachineLease lease, String attribute) {
      Protos.Attribute a = lease.getAttributeMap() == null ? null : lease.getAttributeMap().get(attribute);
      return a == null ? null : a.getText().getValue();
    }
  }

  /** One task of the workload as a Fenzo request. */
  public static final class BenchTask implements TaskRequest {
    final String id;
    final int index;
    final String group;
    final Resources r;
    final List<ConstraintEvaluator> hard;
    final Set<String> coTasks;
    private AssignedResources assigned;

    BenchTask(String id, int index, String group, Resources r, List<ConstraintEvaluator> hard,
        Set<String> coTasks) {
      this.id = id;
      this.index = index;
      this.group = group;
      this.r = r;
      this.hard = hard;
      this.coTasks = coTasks;
    }

    /** A new task for the same instance, with a new id, in place of this one among its co-tasks. */
    BenchTask replacement(int attempt) {
      BenchTask t = new BenchTask(id.replaceAll("#.*", "") + "#" + attempt, index, group, r, hard, coTasks);
      coTasks.remove(id);
      coTasks.add(t.id);
      return t;
    }

    public int index() {
      return index;
    }

    @Override
    public String getId() {
      return id;
    }

    @Override
    public String taskGroupName() {
      return group;
    }

    @Override
    public double getCPUs() {
      return r.cpus();
    }

    @Override
    public double getMemory() {
      return r.ramMb();
    }

    @Override
    public double getNetworkMbps() {
      return 0;
    }

    @Override
    public double getDisk() {
      return r.diskMb();
    }

    @Override
    public int getPorts() {
      return r.ports().size();
    }

    @Override
    public Map<String, Double> getScalarRequests() {
      return Collections.emptyMap();
    }

    @Override
    public Map<String, NamedResourceSetRequest> getCustomNamedResources() {
      return Collections.emptyMap();
    }

    @Override
    public List<? extends ConstraintEvaluator> getHardConstraints() {
      return hard;
    }

    @Override
    public List<? extends VMTaskFitnessCalculator> getSoftConstraints() {
      return Collections.emptyList();
    }

    @Override
    public void setAssignedResources(AssignedResources assignedResources) {
      this.assigned = assignedResources;
    }

    @Override
    public AssignedResources getAssignedResources() {
      return assigned;
    }

    @Override
    public String toString() {
      return id;
    }
  }
}
