package dev.aurora.local;

import dev.aurora.testkit.Await;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.api.Resources;
import dev.aurora.api.TaskId;
import dev.aurora.core.BackendListener;
import dev.aurora.core.Offer;
import dev.aurora.core.PortRange;
import dev.aurora.core.ScheduleStatus;
import dev.aurora.core.TaskLaunch;
import dev.aurora.core.TaskStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offers as Mesos makes them, with real processes: several outstanding offers per agent, each
 * reserving what it carries; resources that come back are offered anew and no offer is rescinded.
 */
class OffersTest {
  private static final int AGENTS = 2;
  private static final long MILLI_CPUS = 2000;
  private static final long RAM_MB = 1024;
  private static final long DISK_MB = 2048;
  private static final int PORT_BASE = 31000;
  private static final int PORTS = 10;

  @TempDir Path root;
  private final RecordingListener listener = new RecordingListener();
  private LocalBackend backend;

  @AfterEach
  void closeBackend() {
    if (backend != null) {
      backend.close();
    }
  }

  private void start(BackendListener reportsTo) {
    backend = LocalBackend.builder()
        .sandboxRoot(root)
        .agents(AGENTS)
        .cpusPerAgent(MILLI_CPUS / 1000.0)
        .ramMbPerAgent(RAM_MB)
        .diskMbPerAgent(DISK_MB)
        .portBase(PORT_BASE)
        .portsPerAgent(PORTS)
        .killGracePeriod(Duration.ofMillis(300))
        .build();
    backend.start(reportsTo);
  }

  private static Resources resources(double cpus, long ramMb, long diskMb, String... ports) {
    return Resources.builder().cpus(cpus).ramMb(ramMb).diskMb(diskMb).addPorts(ports).build();
  }

  /**
   * Makes local-0 hold two offers: launches a task of 0.5 cpus, 100 MiB, 10 MiB disk and port 31000
   * that exits at once, and returns the offer of what it left over, then the offer of what it freed.
   */
  private List<Offer> twoOffersOfLocal0() {
    Offer first = listener.awaitOffer("local-0");
    TaskLaunch brief = Tasks.launch(first, resources(0.5, 100, 10, "http"), "true").putPort("http", 31000).build();
    backend.launch(List.of(first.id()), List.of(brief));
    Offer rest = listener.awaitOffer("local-0");
    assertThat(listener.awaitEnd(brief.taskId()).state()).isEqualTo(ScheduleStatus.FINISHED);
    Offer freed = listener.awaitOffer("local-0");
    return List.of(rest, freed);
  }

  private static void assertOffer(Offer offer, double cpus, long ramMb, long diskMb, PortRange... ports) {
    assertThat(offer.cpus()).as("cpus of %s", offer.id()).isEqualTo(cpus);
    assertThat(offer.ramMb()).as("ramMb of %s", offer.id()).isEqualTo(ramMb);
    assertThat(offer.diskMb()).as("diskMb of %s", offer.id()).isEqualTo(diskMb);
    assertThat(offer.ports()).as("ports of %s", offer.id()).containsExactly(ports);
  }

  private static String awaitFile(Path file) {
    return Await.value("the contents of " + file, () -> {
      try {
        String text = Files.exists(file) ? Files.readString(file) : "";
        return text.endsWith("\n") ? Optional.of(text.trim()) : Optional.empty();
      } catch (IOException e) {
        return Optional.empty();
      }
    });
  }

  @Test
  void anOfferOutstandingWhenATaskEndsStaysLaunchableAndASecondOfferCarriesOnlyTheFreedResources() {
    start(listener);
    Offer first = listener.awaitOffer("local-0");
    TaskLaunch ending = Tasks.launch(first, resources(0.5, 100, 10, "http"), "sleep 30").build();
    backend.launch(List.of(first.id()), List.of(ending));
    Offer rest = listener.awaitOffer("local-0");
    listener.awaitStatus(ending.taskId(), ScheduleStatus.RUNNING);

    backend.kill(ending.taskId());
    listener.awaitStatus(ending.taskId(), ScheduleStatus.KILLED);
    Offer freed = listener.awaitOffer("local-0");

    assertThat(listener.rescinded()).isEmpty();
    assertOffer(rest, 1.5, 924, 2038, PortRange.of(31001, 31009));
    assertOffer(freed, 0.5, 100, 10, PortRange.of(31000, 31000));
    TaskLaunch onRest = Tasks.launch(rest, resources(1.5, 924, 2038, "http"),
        "echo $AURORA_PORT_HTTP > port; sleep 30").putPort("http", 31009).build();
    backend.launch(List.of(rest.id()), List.of(onRest));
    TaskLaunch onFreed = Tasks.launch(freed, resources(0.5, 100, 10, "http"),
        "echo $AURORA_PORT_HTTP > port; sleep 30").build();
    backend.launch(List.of(freed.id()), List.of(onFreed));
    listener.awaitStatus(onRest.taskId(), ScheduleStatus.RUNNING);
    listener.awaitStatus(onFreed.taskId(), ScheduleStatus.RUNNING);
    assertThat(awaitFile(Tasks.awaitSandbox(backend, onRest.taskId()).resolve("port"))).isEqualTo("31009");
    assertThat(awaitFile(Tasks.awaitSandbox(backend, onFreed.taskId()).resolve("port"))).isEqualTo("31000");
    assertThat(listener.rescinded()).isEmpty();
  }

  @Test
  void aLaunchWithTwoOffersOfOneAgentUsesBoth() {
    start(listener);
    List<Offer> two = twoOffersOfLocal0();
    Offer rest = two.get(0);
    Offer freed = two.get(1);
    long offersBefore = listener.offersReceived().stream().filter(r -> r.offer().agentId().equals("local-0")).count();
    // more than either offer holds alone, with a port of each
    TaskLaunch whole = Tasks.launch(freed, resources(2, 1024, 2048, "admin", "http"),
        "echo $AURORA_PORT_HTTP $AURORA_PORT_ADMIN > ports; sleep 30")
        .putPort("http", 31000).putPort("admin", 31009).build();

    backend.launch(List.of(freed.id(), rest.id()), List.of(whole));

    listener.awaitStatus(whole.taskId(), ScheduleStatus.RUNNING);
    assertThat(awaitFile(Tasks.awaitSandbox(backend, whole.taskId()).resolve("ports"))).isEqualTo("31000 31009");
    // what is left of the two offers (ports only) comes back as one offer, made before STARTING was reported
    List<Offer> after = listener.offersReceived().stream().map(RecordingListener.Received::offer)
        .filter(o -> o.agentId().equals("local-0")).skip(offersBefore).toList();
    assertThat(after).hasSize(1);
    assertOffer(after.get(0), 0, 0, 0, PortRange.of(31001, 31008));
    assertThat(listener.rescinded()).isEmpty();
  }

  @Test
  void portsMustComeFromTheOffersATaskIsLaunchedWith() {
    start(listener);
    List<Offer> two = twoOffersOfLocal0();
    Offer rest = two.get(0);
    Offer freed = two.get(1);
    TaskLaunch elsewhere = Tasks.launch(freed, resources(0.1, 16, 1, "http"), "true").putPort("http", 31005).build();

    backend.launch(List.of(freed.id()), List.of(elsewhere));

    TaskStatus end = listener.awaitEnd(elsewhere.taskId());
    assertThat(end.state()).isEqualTo(ScheduleStatus.FAILED);
    assertThat(end.message())
        .isEqualTo("port 31005 for 'http' is not in the offers the task was launched with (31000-31000)");
    TaskLaunch there = Tasks.launch(rest, resources(0.1, 16, 1, "http"), "true").putPort("http", 31005).build();
    backend.launch(List.of(rest.id()), List.of(there));
    assertThat(listener.awaitEnd(there.taskId()).state()).isEqualTo(ScheduleStatus.FINISHED);
  }

  @Test
  void aDeclineLeavesTheAgentsOtherOffersValidAndWhatALaunchLeavesIsOfferedAtOnceWithTheDeclinedResources() {
    start(listener);
    List<Offer> two = twoOffersOfLocal0();
    Offer rest = two.get(0);
    Offer freed = two.get(1);
    Duration refusal = Duration.ofSeconds(5);
    Instant declined = Instant.now();

    backend.decline(freed.id(), refusal);
    TaskLaunch onRest = Tasks.launch(rest, resources(1.5, 900, 1000, "http"), "sleep 30").putPort("http", 31001)
        .build();
    backend.launch(List.of(rest.id()), List.of(onRest));

    listener.awaitStatus(onRest.taskId(), ScheduleStatus.RUNNING);
    // more than the declined resources is unoffered now, so the refusal does not hold the offer back
    Offer back = listener.awaitOffer("local-0", refusal.dividedBy(2));
    List<RecordingListener.Received> since = listener.offersReceived().stream()
        .filter(r -> r.offer().agentId().equals("local-0") && !r.at().isBefore(declined)).toList();
    assertThat(since).extracting(r -> r.offer().id()).containsExactly(back.id());
    assertThat(Duration.between(declined, since.get(0).at())).isLessThan(refusal);
    // the declined offer's resources and what the launch left of the other offer, together
    assertOffer(back, 0.5, 124, 1048, PortRange.of(31000, 31000), PortRange.of(31002, 31009));
    assertThat(listener.rescinded()).isEmpty();
  }

  @Test
  void aLaunchNamingAnOfferThatIsNotValidIsLostAndTheValidOffersItNamesAreOfferedAgain() {
    start(listener);
    List<Offer> two = twoOffersOfLocal0();
    Offer rest = two.get(0);
    Offer freed = two.get(1);
    TaskLaunch stray = Tasks.launch(rest, Tasks.small(), "true").build();

    backend.launch(List.of(rest.id(), "local-0-o0"), List.of(stray));

    TaskStatus end = listener.awaitEnd(stray.taskId());
    assertThat(end.state()).isEqualTo(ScheduleStatus.LOST);
    assertThat(end.message()).isEqualTo("offer local-0-o0 is not valid: unknown, already used, declined or rescinded");
    Offer again = listener.awaitOffer("local-0");
    assertThat(again.id()).isNotIn(rest.id(), freed.id());
    assertOffer(again, 1.5, 924, 2038, PortRange.of(31001, 31009));
    TaskLaunch onFreed = Tasks.launch(freed, Tasks.small(), "true").build();
    backend.launch(List.of(freed.id()), List.of(onFreed));
    assertThat(listener.awaitEnd(onFreed.taskId()).state()).isEqualTo(ScheduleStatus.FINISHED);
  }

  @Test
  void noResourcesAreEverOfferedTwiceThroughABurstOfLaunchesEndsAndDeclines() {
    Books books = new Books();
    start(books);
    Random random = new Random(20261126);
    String[] commands = {"true", "sleep 0.1", "sleep 0.3", "exit 1", "sleep 0.05"};
    int launches = 0;
    int declines = 0;
    int doomed = 0;
    while (launches < 60) {
      List<Offer> chosen = Await.value("an outstanding offer", () -> books.chooseOffers(random));
      Share left = Share.of(chosen);
      List<TaskLaunch> tasks = new ArrayList<>();
      List<TaskLaunch> fitting = new ArrayList<>();
      for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
        if (random.nextInt(12) == 0) { // does not fit: it is LOST and holds nothing
          tasks.add(Tasks.launch(chosen.get(0), resources(0.1, 100_000, 0), "true").build());
          doomed++;
          continue;
        }
        Resources asked = resources((1 + random.nextInt(6)) / 10.0, 16 + random.nextInt(200), random.nextInt(100),
            random.nextBoolean() ? new String[] {"http"} : new String[] {"http", "admin"});
        if (!left.fits(asked)) {
          continue;
        }
        Map<String, Integer> ports = left.take(asked, random);
        fitting.add(Tasks.launch(chosen.get(0), asked, commands[random.nextInt(commands.length)]).ports(ports)
            .build());
      }
      tasks.addAll(fitting);
      if (fitting.isEmpty() || random.nextInt(7) == 0) {
        Duration refusal = random.nextBoolean() ? Duration.ZERO : Duration.ofMillis(50);
        for (Offer offer : chosen) {
          books.declined(offer);
          backend.decline(offer.id(), refusal);
          declines++;
        }
        continue;
      }
      books.launched(chosen, fitting);
      backend.launch(chosen.stream().map(Offer::id).toList(), tasks);
      launches++;
    }

    Await.value("every task ended and everything offered, or a violation",
        () -> books.settled() || !books.violations().isEmpty() ? Optional.of(true) : Optional.empty(),
        Duration.ofSeconds(30));
    assertThat(books.violations()).isEmpty();
    assertThat(books.ends()).isGreaterThanOrEqualTo(launches);
    assertThat(declines).isPositive();
    assertThat(doomed).isPositive();
  }

  /** What a launch may still use of the offers it names, as the scheduler counts it. */
  private static final class Share {
    long milliCpus;
    long ramMb;
    long diskMb;
    final List<Integer> ports = new ArrayList<>();

    static Share of(List<Offer> offers) {
      Share share = new Share();
      for (Offer o : offers) {
        share.milliCpus += Math.round(o.cpus() * 1000);
        share.ramMb += o.ramMb();
        share.diskMb += o.diskMb();
        o.ports().forEach(r -> {
          for (int p = r.begin(); p <= r.end(); p++) {
            share.ports.add(p);
          }
        });
      }
      return share;
    }

    boolean fits(Resources r) {
      return Math.round(r.cpus() * 1000) <= milliCpus && r.ramMb() <= ramMb && r.diskMb() <= diskMb
          && r.ports().size() <= ports.size();
    }

    /** Takes {@code r}, and random ports of the share for its named ports. */
    Map<String, Integer> take(Resources r, Random random) {
      milliCpus -= Math.round(r.cpus() * 1000);
      ramMb -= r.ramMb();
      diskMb -= r.diskMb();
      Map<String, Integer> taken = new TreeMap<>();
      r.ports().forEach(name -> taken.put(name, ports.remove(random.nextInt(ports.size()))));
      return taken;
    }
  }

  /**
   * Keeps the books a scheduler would, from the reports: the outstanding offers and the running
   * tasks. At every offer it checks that offers and tasks together never hold more than an agent
   * has, nor a port twice.
   */
  private static final class Books implements BackendListener {
    private final Map<String, Offer> outstanding = new LinkedHashMap<>();
    private final Map<TaskId, TaskLaunch> running = new LinkedHashMap<>();
    private final List<String> violations = new ArrayList<>();
    private int ends;

    @Override
    public synchronized void offers(List<Offer> made) {
      for (Offer o : made) {
        if (outstanding.put(o.id(), o) != null) {
          violations.add("offer " + o.id() + " made twice");
        }
      }
      check();
    }

    @Override
    public synchronized void offerRescinded(String offerId) {
      violations.add("offer " + offerId + " rescinded");
      outstanding.remove(offerId);
    }

    @Override
    public synchronized void statusUpdate(TaskStatus status) {
      if (status.state().isTerminal() && running.remove(status.taskId()) != null) {
        ends++;
      }
    }

    @Override
    public synchronized void agentLost(String agentId) {
      violations.add("agent " + agentId + " lost");
    }

    /** Some outstanding offers of one agent (all of them, half the time), if it has any. */
    synchronized Optional<List<Offer>> chooseOffers(Random random) {
      if (outstanding.isEmpty()) {
        return Optional.empty();
      }
      List<Offer> all = List.copyOf(outstanding.values());
      String agent = all.get(random.nextInt(all.size())).agentId();
      List<Offer> mine = all.stream().filter(o -> o.agentId().equals(agent)).toList();
      if (random.nextBoolean()) {
        return Optional.of(mine);
      }
      List<Offer> some = mine.stream().filter(o -> random.nextBoolean()).toList();
      return Optional.of(some.isEmpty() ? List.of(mine.get(0)) : some);
    }

    synchronized void launched(List<Offer> used, List<TaskLaunch> tasks) {
      used.forEach(o -> outstanding.remove(o.id()));
      tasks.forEach(t -> running.put(t.taskId(), t));
      check();
    }

    synchronized void declined(Offer offer) {
      outstanding.remove(offer.id());
    }

    synchronized List<String> violations() {
      return List.copyOf(violations);
    }

    synchronized int ends() {
      return ends;
    }

    /** Whether no task runs and the outstanding offers hold every agent's resources exactly. */
    synchronized boolean settled() {
      if (!running.isEmpty()) {
        return false;
      }
      for (int a = 0; a < AGENTS; a++) {
        Totals t = totals("local-" + a);
        if (t.milliCpus != MILLI_CPUS || t.ramMb != RAM_MB || t.diskMb != DISK_MB || t.ports.cardinality() != PORTS) {
          return false;
        }
      }
      return true;
    }

    private void check() {
      for (int a = 0; a < AGENTS; a++) {
        Totals t = totals("local-" + a);
        if (t.milliCpus > MILLI_CPUS || t.ramMb > RAM_MB || t.diskMb > DISK_MB) {
          violations.add("local-" + a + " offers and runs more than it has: " + t + " with offers "
              + outstanding.values() + " and tasks " + running.keySet());
        }
      }
    }

    private Totals totals(String agent) {
      Totals t = new Totals();
      int first = PORT_BASE + Integer.parseInt(agent.substring("local-".length())) * PORTS;
      for (Offer o : outstanding.values()) {
        if (o.agentId().equals(agent)) {
          t.milliCpus += Math.round(o.cpus() * 1000);
          t.ramMb += o.ramMb();
          t.diskMb += o.diskMb();
          o.ports().forEach(r -> {
            for (int p = r.begin(); p <= r.end(); p++) {
              t.port(p, first, "offer " + o.id());
            }
          });
        }
      }
      for (TaskLaunch task : running.values()) {
        if (task.agentId().equals(agent)) {
          Resources r = task.config().resources();
          t.milliCpus += Math.round(r.cpus() * 1000);
          t.ramMb += r.ramMb();
          t.diskMb += r.diskMb();
          task.ports().values().forEach(p -> t.port(p, first, "task " + task.taskId()));
        }
      }
      return t;
    }

    private final class Totals {
      long milliCpus;
      long ramMb;
      long diskMb;
      final BitSet ports = new BitSet();

      void port(int port, int first, String holder) {
        if (port < first || port >= first + PORTS || ports.get(port - first)) {
          violations.add(holder + " has port " + port + ", outside its agent's range or held twice");
        }
        ports.set(port - first);
      }

      @Override
      public String toString() {
        return "cpus " + milliCpus / 1000.0 + ", ramMb " + ramMb + ", diskMb " + diskMb + ", ports " + ports;
      }
    }
  }
}
