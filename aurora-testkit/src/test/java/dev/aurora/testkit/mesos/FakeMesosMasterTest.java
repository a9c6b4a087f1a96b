package dev.aurora.testkit.mesos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fake master catches a scheduler that breaks the protocol, and fails the test naming each break. */
class FakeMesosMasterTest {
  final FakeMesosMaster master = newMaster();

  /** The master under test (a subclass runs every test again with calls not recorded). */
  FakeMesosMaster newMaster() {
    return FakeMesosMaster.builder().agents(1).build();
  }
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  InputStream events;
  String streamId;
  String frameworkId;

  @AfterEach
  void closeStream() throws IOException {
    if (events != null) {
      events.close();
    }
  }

  private URI endpoint() {
    return master.leader().resolve("/api/v1/scheduler");
  }

  private Event next() throws IOException {
    StringBuilder len = new StringBuilder();
    for (int c = events.read(); c != '\n'; c = events.read()) {
      len.append((char) c);
    }
    byte[] record = new byte[Integer.parseInt(len.toString())];
    new DataInputStream(events).readFully(record);
    return Event.parseFrom(record);
  }

  private Event nextOf(Event.Type type) throws IOException {
    Event e = next();
    while (e.getType() != type) {
      e = next();
    }
    return e;
  }

  private void subscribe() throws Exception {
    subscribe(null);
  }

  /** Subscribes, as the framework of that id when one is given (a re-subscription). */
  private void subscribe(String asFramework) throws Exception {
    Protos.FrameworkInfo.Builder info = Protos.FrameworkInfo.newBuilder().setUser("u").setName("raw");
    if (asFramework != null) {
      info.setId(Protos.FrameworkID.newBuilder().setValue(asFramework));
    }
    Call.Builder builder = Call.newBuilder().setType(Call.Type.SUBSCRIBE).setSubscribe(Call.Subscribe.newBuilder()
        .setFrameworkInfo(info));
    if (asFramework != null) {
      builder.setFrameworkId(Protos.FrameworkID.newBuilder().setValue(asFramework));
    }
    Call call = builder.build();
    HttpResponse<InputStream> r = http.send(HttpRequest.newBuilder(endpoint())
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(call.toByteArray())).build(), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    streamId = r.headers().firstValue("Mesos-Stream-Id").orElseThrow();
    events = r.body();
    frameworkId = nextOf(Event.Type.SUBSCRIBED).getSubscribed().getFrameworkId().getValue();
  }

  private int send(Call.Builder call, boolean withStreamId) throws Exception {
    call.setFrameworkId(Protos.FrameworkID.newBuilder().setValue(frameworkId));
    HttpRequest.Builder b = HttpRequest.newBuilder(endpoint()).header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(call.build().toByteArray()));
    if (withStreamId) {
      b.header("Mesos-Stream-Id", streamId);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static Protos.Resource cpus(double v) {
    return Protos.Resource.newBuilder().setName("cpus").setType(Protos.Value.Type.SCALAR)
        .setScalar(Protos.Value.Scalar.newBuilder().setValue(v)).build();
  }

  @Test
  void aCallWithoutTheStreamIdIsAViolation() throws Exception {
    subscribe();
    int status = send(Call.newBuilder().setType(Call.Type.REVIVE), false);

    assertThat(status).isEqualTo(400);
    assertThatThrownBy(master::close).isInstanceOf(AssertionError.class).hasMessageContaining("without a Mesos-Stream-Id");
  }

  @Test
  void aLaunchBeyondItsOfferAndAnOfferNeverMadeAreViolations() throws Exception {
    subscribe();
    Protos.Offer offer = nextOf(Event.Type.OFFERS).getOffers().getOffers(0);
    Protos.TaskInfo greedy = Protos.TaskInfo.newBuilder().setName("greedy")
        .setTaskId(Protos.TaskID.newBuilder().setValue("t1")).setAgentId(offer.getAgentId())
        .addResources(cpus(64)).setCommand(Protos.CommandInfo.newBuilder().setValue("sleep 1")).build();
    send(Call.newBuilder().setType(Call.Type.ACCEPT).setAccept(Call.Accept.newBuilder().addOfferIds(offer.getId())
        .addOperations(Protos.Offer.Operation.newBuilder().setType(Protos.Offer.Operation.Type.LAUNCH)
            .setLaunch(Protos.Offer.Operation.Launch.newBuilder().addTaskInfos(greedy)))), true);
    send(Call.newBuilder().setType(Call.Type.DECLINE).setDecline(Call.Decline.newBuilder()
        .addOfferIds(Protos.OfferID.newBuilder().setValue("made-up"))), true);

    assertThat(master.violations()).hasSize(2);
    assertThatThrownBy(master::close).isInstanceOf(AssertionError.class)
        .hasMessageContaining("launch beyond the offers").hasMessageContaining("made-up");
  }

  @Test
  void anAcknowledgementOfAnUpdateNeverSentIsAViolation() throws Exception {
    subscribe();
    send(Call.newBuilder().setType(Call.Type.ACKNOWLEDGE).setAcknowledge(Call.Acknowledge.newBuilder()
        .setAgentId(Protos.AgentID.newBuilder().setValue("agent-0")).setTaskId(Protos.TaskID.newBuilder().setValue("x"))
        .setUuid(com.google.protobuf.ByteString.copyFromUtf8("never-sent"))), true);

    assertThatThrownBy(master::close).isInstanceOf(AssertionError.class).hasMessageContaining("never-sent");
  }

  @Test
  void anAcknowledgementNamingAnotherTaskOrNoFrameworkIsAViolation() throws Exception {
    subscribe();
    Protos.TaskStatus starting = launchOne("t5");
    send(Call.newBuilder().setType(Call.Type.ACKNOWLEDGE).setAcknowledge(Call.Acknowledge.newBuilder()
        .setAgentId(starting.getAgentId()).setTaskId(Protos.TaskID.newBuilder().setValue("other"))
        .setUuid(starting.getUuid())), true);
    Call noFramework = Call.newBuilder().setType(Call.Type.ACKNOWLEDGE).setAcknowledge(Call.Acknowledge.newBuilder()
        .setAgentId(starting.getAgentId()).setTaskId(starting.getTaskId()).setUuid(starting.getUuid())).build();
    int status = http.send(HttpRequest.newBuilder(endpoint()).header("Content-Type", "application/x-protobuf")
        .header("Mesos-Stream-Id", streamId).POST(HttpRequest.BodyPublishers.ofByteArray(noFramework.toByteArray()))
        .build(), HttpResponse.BodyHandlers.discarding()).statusCode();

    assertThat(status).isEqualTo(400);
    assertThat(master.violations()).hasSize(2);
    assertThat(master.violations().get(0)).contains("names task other");
    assertThat(master.violations().get(1)).contains("with framework id ''");
    assertThat(master.callCount(Call.Type.ACKNOWLEDGE)).isEqualTo(2);
    assertThatThrownBy(master::close).isInstanceOf(AssertionError.class);
  }

  @Test
  void anUpdateHeldBehindAPartitionIsNotSentToANewSubscriptionBeforeTheAgentReregisters() throws Exception {
    subscribe();
    Protos.TaskStatus starting = launchOne("t6"); // sent, not acknowledged
    master.partitionAgent("agent-0");
    events.close();
    subscribe(frameworkId); // a re-subscription gets the updates not acknowledged yet, but this agent is cut off

    master.healAgent("agent-0");
    Protos.TaskStatus first = nextOf(Event.Type.UPDATE).getUpdate().getStatus();
    assertThat(first.getReason()).isEqualTo(Protos.TaskStatus.Reason.REASON_AGENT_REREGISTERED);
    assertThat(first.getState()).isEqualTo(Protos.TaskState.TASK_RUNNING);
    Protos.TaskStatus resent = nextOf(Event.Type.UPDATE).getUpdate().getStatus();
    assertThat(resent.getUuid()).isEqualTo(starting.getUuid());
  }

  private Protos.TaskStatus launchOne(String id) throws Exception {
    Protos.Offer offer = nextOf(Event.Type.OFFERS).getOffers().getOffers(0);
    Protos.TaskInfo task = Protos.TaskInfo.newBuilder().setName(id).setTaskId(Protos.TaskID.newBuilder().setValue(id))
        .setAgentId(offer.getAgentId()).addResources(cpus(1))
        .setCommand(Protos.CommandInfo.newBuilder().setValue("sleep 600")).build();
    send(Call.newBuilder().setType(Call.Type.ACCEPT).setAccept(Call.Accept.newBuilder().addOfferIds(offer.getId())
        .addOperations(Protos.Offer.Operation.newBuilder().setType(Protos.Offer.Operation.Type.LAUNCH)
            .setLaunch(Protos.Offer.Operation.Launch.newBuilder().addTaskInfos(task)))), true);
    return nextOf(Event.Type.UPDATE).getUpdate().getStatus();
  }

  private void acknowledge(Protos.TaskStatus s) throws Exception {
    send(Call.newBuilder().setType(Call.Type.ACKNOWLEDGE).setAcknowledge(Call.Acknowledge.newBuilder()
        .setAgentId(s.getAgentId()).setTaskId(s.getTaskId()).setUuid(s.getUuid())), true);
  }

  @Test
  void aLaunchedTaskRunsAndItsUpdatesWaitForAcknowledgement() throws Exception {
    subscribe();
    Protos.TaskStatus starting = launchOne("t2");
    assertThat(starting.getState()).isEqualTo(Protos.TaskState.TASK_STARTING);
    assertThat(master.unacknowledged()).isEqualTo(1);
    acknowledge(starting);
    Protos.TaskStatus running = nextOf(Event.Type.UPDATE).getUpdate().getStatus();
    assertThat(running.getState()).isEqualTo(Protos.TaskState.TASK_RUNNING);
    assertThat(master.unacknowledged()).isEqualTo(1);
    acknowledge(running);
    assertThat(master.unacknowledged()).isZero();
    master.close();
  }

  @Test
  void updateUuidsAreUniqueAndSpreadAsRandomUuidsAre() throws Exception {
    subscribe();
    Protos.TaskStatus starting = launchOne("t9");
    acknowledge(starting);
    Protos.TaskStatus running = nextOf(Event.Type.UPDATE).getUpdate().getStatus();
    acknowledge(running);
    master.finishTask("t9");
    Protos.TaskStatus finished = nextOf(Event.Type.UPDATE).getUpdate().getStatus();
    acknowledge(finished);

    // a random UUID's bytes: two updates in a row differ in (nearly) every byte, not only in a counter's
    // last ones, so maps keyed by uuid hash them apart (sequential uuids made their ByteString hashes collide)
    java.util.List<com.google.protobuf.ByteString> uuids = java.util.List.of(starting.getUuid(), running.getUuid(), finished.getUuid());
    assertThat(uuids).doesNotHaveDuplicates().allSatisfy(u -> assertThat(u.size()).isEqualTo(16));
    for (int i = 1; i < uuids.size(); i++) {
      byte[] a = uuids.get(i - 1).toByteArray();
      byte[] b = uuids.get(i).toByteArray();
      int differ = 0;
      for (int k = 8; k < 16; k++) {
        differ += a[k] != b[k] ? 1 : 0;
      }
      assertThat(differ).as("bytes 8-15 that differ between updates %d and %d", i - 1, i).isGreaterThanOrEqualTo(6);
    }
    assertThat(master.violations()).isEmpty();
  }

  @Test
  void aTasksNextUpdateIsSentOnlyOnceThePreviousOneIsAcknowledged() throws Exception {
    subscribe();
    Protos.TaskStatus starting = launchOne("t3");

    // the task is running at the agent, but its RUNNING waits behind the unacknowledged STARTING, as
    // in a Mesos agent's status update manager: one update in flight per task
    assertThat(starting.getState()).isEqualTo(Protos.TaskState.TASK_STARTING);
    assertThat(master.state("t3")).contains(Protos.TaskState.TASK_RUNNING);
    assertThat(master.unacknowledged()).as("updates in flight").isEqualTo(1);
    master.finishTask("t3");
    assertThat(master.unacknowledged()).as("updates in flight after the task ended").isEqualTo(1);

    acknowledge(starting);
    Protos.TaskStatus running = nextOf(Event.Type.UPDATE).getUpdate().getStatus();
    assertThat(running.getState()).isEqualTo(Protos.TaskState.TASK_RUNNING);
    acknowledge(running);
    Protos.TaskStatus finished = nextOf(Event.Type.UPDATE).getUpdate().getStatus();
    assertThat(finished.getState()).isEqualTo(Protos.TaskState.TASK_FINISHED);
    acknowledge(finished);
    assertThat(master.unacknowledged()).isZero();
    assertThat(master.violations()).isEmpty();
  }

  /**
   * A retry that crossed the acknowledgement of its first copy is acknowledged again by a scheduler
   * that acknowledges every copy it gets: a Mesos master answers 202 and the agent ignores the second
   * acknowledgement. The fake master does the same: counted, accepted, no violation, and the task's
   * next update is sent once, after the first acknowledgement.
   */
  @Test
  void aRetryThatCrossedItsAcknowledgementIsAcknowledgedAgainWithoutAViolation() throws Exception {
    subscribe();
    master.resendOnAcknowledge(1);
    Protos.TaskStatus starting = launchOne("t4");
    acknowledge(starting);
    Protos.TaskStatus copy = nextOf(Event.Type.UPDATE).getUpdate().getStatus();
    assertThat(copy.getUuid()).isEqualTo(starting.getUuid());
    Protos.TaskStatus running = nextOf(Event.Type.UPDATE).getUpdate().getStatus();
    assertThat(running.getState()).isEqualTo(Protos.TaskState.TASK_RUNNING);

    assertThat(send(Call.newBuilder().setType(Call.Type.ACKNOWLEDGE).setAcknowledge(Call.Acknowledge.newBuilder()
        .setAgentId(copy.getAgentId()).setTaskId(copy.getTaskId()).setUuid(copy.getUuid())), true)).isEqualTo(202);
    acknowledge(running);

    assertThat(master.duplicateAcknowledgements()).isEqualTo(1);
    assertThat(master.unacknowledged()).isZero();
    assertThat(master.violations()).isEmpty();
  }

  private static Protos.Resource mem(double v) {
    return Protos.Resource.newBuilder().setName("mem").setType(Protos.Value.Type.SCALAR)
        .setScalar(Protos.Value.Scalar.newBuilder().setValue(v)).build();
  }

  private Protos.Offer.Operation group(String executorId, Protos.ExecutorInfo.Type type, String fw,
      Protos.TaskInfo... tasks) {
    Protos.ExecutorInfo.Builder e = Protos.ExecutorInfo.newBuilder().setType(type)
        .setExecutorId(Protos.ExecutorID.newBuilder().setValue(executorId)).addResources(cpus(0.1)).addResources(mem(32));
    if (fw != null) {
      e.setFrameworkId(Protos.FrameworkID.newBuilder().setValue(fw));
    }
    return Protos.Offer.Operation.newBuilder().setType(Protos.Offer.Operation.Type.LAUNCH_GROUP)
        .setLaunchGroup(Protos.Offer.Operation.LaunchGroup.newBuilder().setExecutor(e)
            .setTaskGroup(Protos.TaskGroupInfo.newBuilder().addAllTasks(java.util.List.of(tasks)))).build();
  }

  private static Protos.TaskInfo groupTask(Protos.Offer offer, String id, double cpus) {
    return Protos.TaskInfo.newBuilder().setName(id).setTaskId(Protos.TaskID.newBuilder().setValue(id))
        .setAgentId(offer.getAgentId()).addResources(cpus(cpus)).addResources(mem(64))
        .setCommand(Protos.CommandInfo.newBuilder().setValue("sleep 600")).build();
  }

  @Test
  void launchGroupsOnTheDefaultExecutorRunTheirTasks() throws Exception {
    subscribe();
    Protos.Offer offer = nextOf(Event.Type.OFFERS).getOffers().getOffers(0);
    send(Call.newBuilder().setType(Call.Type.ACCEPT).setAccept(Call.Accept.newBuilder().addOfferIds(offer.getId())
        .addOperations(group("e1", Protos.ExecutorInfo.Type.DEFAULT, frameworkId, groupTask(offer, "g1", 1)))
        .addOperations(group("e2", Protos.ExecutorInfo.Type.DEFAULT, frameworkId, groupTask(offer, "g2", 1)))), true);

    for (int running = 0; running < 2; ) {
      Protos.TaskStatus s = nextOf(Event.Type.UPDATE).getUpdate().getStatus();
      acknowledge(s); // a task's next update comes once this one is acknowledged
      if (s.getState() == Protos.TaskState.TASK_RUNNING) {
        running++;
      }
    }
    assertThat(master.state("g1")).contains(Protos.TaskState.TASK_RUNNING);
    assertThat(master.state("g2")).contains(Protos.TaskState.TASK_RUNNING);
    assertThat(master.violations()).isEmpty();
  }

  @Test
  void aLaunchGroupBreakingTheRulesIsAViolationForEachBreak() throws Exception {
    subscribe();
    Protos.Offer offer = nextOf(Event.Type.OFFERS).getOffers().getOffers(0);
    // offered: 4 cpus; asked: 2 x 0.1 for executors + 3.9 + 0.1 for tasks = 4.2
    send(Call.newBuilder().setType(Call.Type.ACCEPT).setAccept(Call.Accept.newBuilder().addOfferIds(offer.getId())
        .addOperations(group("custom", Protos.ExecutorInfo.Type.CUSTOM, frameworkId, groupTask(offer, "d", 3.9)))
        .addOperations(group("anonymous", Protos.ExecutorInfo.Type.DEFAULT, null, groupTask(offer, "d", 0.1)))), true);

    assertThatThrownBy(master::close).isInstanceOf(AssertionError.class)
        .hasMessageContaining("executor custom of type CUSTOM, not DEFAULT")
        .hasMessageContaining("executor anonymous whose framework id is ''")
        .hasMessageContaining("task id d launched twice")
        .hasMessageContaining("launch beyond the offers on agent-0: 4.19");
  }

  @Test
  void pipelinedCallsOnOneConnectionAreEachCheckedAndAnsweredInOrder() throws Exception {
    subscribe();
    master.answer(Call.Type.SUPPRESS, 503, "busy", 1);
    StringBuilder requests = new StringBuilder();
    for (Call.Type type : java.util.List.of(Call.Type.REVIVE, Call.Type.SUPPRESS, Call.Type.REVIVE)) {
      Call.Builder call = Call.newBuilder().setType(type)
          .setFrameworkId(Protos.FrameworkID.newBuilder().setValue(frameworkId));
      if (type == Call.Type.REVIVE) {
        call.setRevive(Call.Revive.newBuilder());
      } else {
        call.setSuppress(Call.Suppress.newBuilder());
      }
      byte[] body = call.build().toByteArray();
      requests.append("POST /api/v1/scheduler HTTP/1.1\r\nHost: 127.0.0.1\r\n")
          .append("Content-Type: application/x-protobuf\r\nMesos-Stream-Id: ").append(streamId)
          .append("\r\nContent-Length: ").append(body.length).append("\r\n\r\n")
          .append(new String(body, java.nio.charset.StandardCharsets.ISO_8859_1));
    }
    try (java.net.Socket socket = new java.net.Socket(master.leader().getHost(), master.leader().getPort())) {
      socket.setSoTimeout(30_000); // a master that hangs on the buffered requests fails the test, bounded
      // the three requests in one write, before any answer, as a pipelining client sends them
      socket.getOutputStream().write(requests.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      InputStream in = new java.io.BufferedInputStream(socket.getInputStream());
      assertThat(java.util.List.of(answer(in), answer(in), answer(in)))
          .containsExactly("202 ", "503 busy", "202 ");
    }
    assertThat(master.callCount(Call.Type.REVIVE)).isEqualTo(2);
    assertThat(master.callConnections()).isEqualTo(1);
    assertThat(master.violations()).isEmpty();
  }

  /** One HTTP/1.1 answer off the stream: its status code, a space and its body. */
  private static String answer(InputStream in) throws IOException {
    String status = line(in);
    int length = 0;
    for (String h = line(in); !h.isEmpty(); h = line(in)) {
      if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(h.substring(15).trim());
      }
    }
    return status.substring(9, 12) + " " + new String(in.readNBytes(length), java.nio.charset.StandardCharsets.UTF_8);
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c == -1) {
        throw new java.io.EOFException("the master closed the connection");
      }
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return b.toString();
  }
}
