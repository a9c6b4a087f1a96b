package dev.aurora.mesos.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aurora.core.Offer;
import dev.aurora.core.ScheduleStatus;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.Protos.TaskState;
import org.junit.jupiter.api.Test;

class TranslationTest {
  @Test
  void everyMesosTaskStateHasItsCoreState() {
    assertThat(StatusMapping.toCore(TaskState.TASK_STAGING)).contains(ScheduleStatus.STARTING);
    assertThat(StatusMapping.toCore(TaskState.TASK_RUNNING)).contains(ScheduleStatus.RUNNING);
    assertThat(StatusMapping.toCore(TaskState.TASK_KILLING)).isEmpty();
    assertThat(StatusMapping.toCore(TaskState.TASK_ERROR)).contains(ScheduleStatus.FAILED);
    for (TaskState gone : List.of(TaskState.TASK_LOST, TaskState.TASK_DROPPED, TaskState.TASK_GONE,
        TaskState.TASK_GONE_BY_OPERATOR, TaskState.TASK_UNKNOWN)) {
      assertThat(StatusMapping.toCore(gone)).as(gone.name()).contains(ScheduleStatus.LOST);
    }
    assertThat(StatusMapping.toCore(TaskState.TASK_UNREACHABLE)).contains(ScheduleStatus.PARTITIONED);
  }

  @Test
  void scalarRangeAndSetAttributesBecomeText() {
    Protos.Offer o = Protos.Offer.newBuilder().setId(Protos.OfferID.newBuilder().setValue("o"))
        .setFrameworkId(Protos.FrameworkID.newBuilder().setValue("f")).setAgentId(Protos.AgentID.newBuilder().setValue("a"))
        .setHostname("h")
        .addResources(Protos.Resource.newBuilder().setName("cpus").setType(Protos.Value.Type.SCALAR)
            .setScalar(Protos.Value.Scalar.newBuilder().setValue(1)))
        .addResources(Protos.Resource.newBuilder().setName("cpus").setType(Protos.Value.Type.SCALAR)
            .setScalar(Protos.Value.Scalar.newBuilder().setValue(2)).setRevocable(Protos.Resource.RevocableInfo.newBuilder()))
        .addResources(Protos.Resource.newBuilder().setName("mem").setType(Protos.Value.Type.SCALAR)
            .setScalar(Protos.Value.Scalar.newBuilder().setValue(512)))
        .addAttributes(Protos.Attribute.newBuilder().setName("cores").setType(Protos.Value.Type.SCALAR)
            .setScalar(Protos.Value.Scalar.newBuilder().setValue(16)))
        .addAttributes(Protos.Attribute.newBuilder().setName("slots").setType(Protos.Value.Type.RANGES)
            .setRanges(Protos.Value.Ranges.newBuilder().addRange(Protos.Value.Range.newBuilder().setBegin(1).setEnd(4))))
        .addAttributes(Protos.Attribute.newBuilder().setName("disks").setType(Protos.Value.Type.SET)
            .setSet(Protos.Value.Set.newBuilder().addItem("ssd").addItem("hdd")))
        .build();
    List<Offer> core = OfferTranslation.toCore(o, (n, d) -> { });
    assertThat(core).hasSize(2);
    assertThat(core.get(0).attributes()).containsEntry("cores", "16").containsEntry("slots", "[1-4]")
        .containsEntry("disks", "{ssd,hdd}");
    assertThat(core.get(0).revocable()).isFalse();
    assertThat(core.get(1).id()).isEqualTo("o" + OfferTranslation.REVOCABLE_SUFFIX);
    assertThat(core.get(1).revocable()).isTrue();
    assertThat(core.get(1).cpus()).isEqualTo(2.0);
    assertThat(OfferTranslation.mesosId(core.get(1).id())).isEqualTo("o");
  }

  @Test
  void recordsSplitAcrossBuffersAreReassembled() {
    List<String> got = new ArrayList<>();
    RecordIoSubscriber s = new RecordIoSubscriber(r -> got.add(new String(r, java.nio.charset.StandardCharsets.UTF_8)));
    subscribe(s);
    byte[] stream = "5\nhello3\nabc0\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    for (byte b : stream) {
      s.onNext(List.of(ByteBuffer.wrap(new byte[] {b})));
    }
    s.onComplete();
    assertThat(got).containsExactly("hello", "abc", "");
    assertThat(s.getBody().toCompletableFuture()).isCompleted();
  }

  @Test
  void aMalformedLengthEndsTheStreamWithAnError() {
    RecordIoSubscriber s = new RecordIoSubscriber(r -> { });
    subscribe(s);
    s.onNext(List.of(ByteBuffer.wrap("4x\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))));
    assertThat(s.getBody().toCompletableFuture()).isCompletedExceptionally();
  }

  private static void subscribe(BodySubscriber<?> s) {
    s.onSubscribe(new Flow.Subscription() {
      @Override
      public void request(long n) {}

      @Override
      public void cancel() {}
    });
  }
}
