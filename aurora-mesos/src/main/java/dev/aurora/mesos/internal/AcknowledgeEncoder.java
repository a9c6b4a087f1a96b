package dev.aurora.mesos.internal;

import com.google.protobuf.CodedOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.mesos.v1.Protos;
import org.apache.mesos.v1.scheduler.Protos.Call;

/**
 * An ACKNOWLEDGE call encoded straight into one array of its exact size: the same bytes as {@code
 * Call.newBuilder()...setAcknowledge(...).build().toByteArray()}, without the builders, the call message
 * and its copy with the framework id that the generic path makes for each of the (at 100,000 tasks)
 * 200,000 acknowledgements of a launch wave.
 */
public final class AcknowledgeEncoder {
  private AcknowledgeEncoder() {}

  /** The ACKNOWLEDGE of {@code status} (which has a uuid and an agent id) by framework {@code framework}. */
  public static byte[] acknowledge(Protos.FrameworkID framework, Protos.TaskStatus status) {
    int ack = CodedOutputStream.computeMessageSize(Call.Acknowledge.AGENT_ID_FIELD_NUMBER, status.getAgentId())
        + CodedOutputStream.computeMessageSize(Call.Acknowledge.TASK_ID_FIELD_NUMBER, status.getTaskId())
        + CodedOutputStream.computeBytesSize(Call.Acknowledge.UUID_FIELD_NUMBER, status.getUuid());
    int size = CodedOutputStream.computeMessageSize(Call.FRAMEWORK_ID_FIELD_NUMBER, framework)
        + CodedOutputStream.computeEnumSize(Call.TYPE_FIELD_NUMBER, Call.Type.ACKNOWLEDGE.getNumber())
        + CodedOutputStream.computeTagSize(Call.ACKNOWLEDGE_FIELD_NUMBER) + CodedOutputStream.computeUInt32SizeNoTag(ack)
        + ack;
    byte[] out = new byte[size];
    CodedOutputStream c = CodedOutputStream.newInstance(out);
    try {
      c.writeMessage(Call.FRAMEWORK_ID_FIELD_NUMBER, framework);
      c.writeEnum(Call.TYPE_FIELD_NUMBER, Call.Type.ACKNOWLEDGE.getNumber());
      c.writeTag(Call.ACKNOWLEDGE_FIELD_NUMBER, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
      c.writeUInt32NoTag(ack);
      c.writeMessage(Call.Acknowledge.AGENT_ID_FIELD_NUMBER, status.getAgentId());
      c.writeMessage(Call.Acknowledge.TASK_ID_FIELD_NUMBER, status.getTaskId());
      c.writeBytes(Call.Acknowledge.UUID_FIELD_NUMBER, status.getUuid());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    c.checkNoSpaceLeft();
    return out;
  }
}
