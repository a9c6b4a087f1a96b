package dev.aurora.mesos;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.mesos.v1.Protos.FrameworkID;
import org.apache.mesos.v1.Protos.FrameworkInfo;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.apache.mesos.v1.scheduler.Protos.Event;
import org.junit.jupiter.api.Test;

/** The Mesos jar's generated classes (protoc 3.5) run on the pinned protobuf-java runtime. */
class ProtobufRuntimeTest {
  @Test
  void theMesosJarsMessagesBuildSerializeAndParseOnThePinnedRuntime() throws Exception {
    Call call = Call.newBuilder().setType(Call.Type.SUBSCRIBE)
        .setFrameworkId(FrameworkID.newBuilder().setValue("fw-1"))
        .setSubscribe(Call.Subscribe.newBuilder().setFrameworkInfo(FrameworkInfo.newBuilder().setUser("u")
            .setName("aurora").addRoles("web").setFailoverTimeout(3600)
            .addCapabilities(FrameworkInfo.Capability.newBuilder()
                .setType(FrameworkInfo.Capability.Type.PARTITION_AWARE))))
        .build();

    Call parsed = Call.parseFrom(call.toByteArray());

    assertThat(parsed).isEqualTo(call);
    assertThat(parsed.getSubscribe().getFrameworkInfo().getRoles(0)).isEqualTo("web");
    assertThat(Event.parseFrom(Event.newBuilder().setType(Event.Type.HEARTBEAT).build().toByteString()).getType())
        .isEqualTo(Event.Type.HEARTBEAT);
    assertThat(com.google.protobuf.Message.class.getProtectionDomain().getCodeSource().getLocation().toString())
        .contains("protobuf-java-3.25.5");
  }
}
