package dev.aurora.mesos.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.scheduler.Protos.Call;
import org.junit.jupiter.api.Test;

class AcknowledgeEncoderTest {
  /** The master gets the same ACKNOWLEDGE bytes as protobuf's builders make for it. */
  @Test
  void anAcknowledgementsBytesEqualTheProtobufBuildersEncoding() throws Exception {
    Protos.TaskStatus status = Protos.TaskStatus.newBuilder()
        .setTaskId(Protos.TaskID.newBuilder().setValue("www-prod-hello-3-7f3c"))
        .setAgentId(Protos.AgentID.newBuilder().setValue("agent-9931")).setState(Protos.TaskState.TASK_RUNNING)
        .setUuid(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, (byte) 0xff}))
        .setMessage("started").build();
    Protos.FrameworkID fw = Protos.FrameworkID.newBuilder().setValue("fw-5c1e0a2b-0001").build();

    byte[] encoded = AcknowledgeEncoder.acknowledge(fw, status);

    byte[] expected = Call.newBuilder().setFrameworkId(fw).setType(Call.Type.ACKNOWLEDGE)
        .setAcknowledge(Call.Acknowledge.newBuilder().setAgentId(status.getAgentId()).setTaskId(status.getTaskId())
            .setUuid(status.getUuid())).build().toByteArray();
    assertThat(encoded).isEqualTo(expected);
    assertThat(Call.parseFrom(encoded).getAcknowledge().getUuid()).isEqualTo(status.getUuid());
  }
}
