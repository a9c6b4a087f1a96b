package dev.aurora.core.internal.storage;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.type.WritableTypeId;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.aurora.api.JobKey;
import dev.aurora.api.TaskId;
import dev.aurora.core.Op;
import java.io.IOException;
import java.util.List;

/**
 * The file log's writers for what it writes most: the ops of a task's placement ({@link Op.AssignTask})
 * and of its later moves ({@link Op.SaveTaskStatus}), and task ids and job keys (every created task's id
 * is in a {@link Op.CreateTasks}; snapshots hold both in every task). They write the same bytes as the
 * model's mapper (a record's properties in declaration order after the {@code "op"} type id, the
 * message left out when empty, an id or key as its text), without Jackson's bean serializer, which
 * reads each property through reflection: W1 on the file log writes 200,000 of these a run on the
 * loop thread. The bytes are the same either way ({@code HotOpSerializersTest}), so logs read as before.
 */
final class HotOpSerializers {
  private HotOpSerializers() {}

  /** The module that installs them. */
  static SimpleModule module() {
    return new SimpleModule("aurora-log-hot-ops")
        .addSerializer(TaskId.class, new ToText<>(TaskId.class))
        .addSerializer(JobKey.class, new ToText<>(JobKey.class))
        .addSerializer(Op.AssignTask.class, new Assign())
        .addSerializer(Op.SaveTaskStatus.class, new Status());
  }

  /** A value written as its text, as its {@code @JsonValue} method ({@code toString}/{@code value}) gives it. */
  private static final class ToText<T> extends StdSerializer<T> {
    private static final long serialVersionUID = 1L;

    ToText(Class<T> type) {
      super(type);
    }

    @Override
    public void serialize(T value, JsonGenerator gen, SerializerProvider provider) throws IOException {
      gen.writeString(value instanceof TaskId id ? id.value() : value.toString());
    }
  }

  /** An op written as an object whose first property is its type id ({@code "op"}), then its fields. */
  private abstract static class OpSerializer<T extends Op> extends StdSerializer<T> {
    private static final long serialVersionUID = 1L;
    private final String typeId;

    OpSerializer(Class<T> type, String typeId) {
      super(type);
      this.typeId = typeId;
    }

    abstract void fields(T op, JsonGenerator gen) throws IOException;

    @Override
    public void serialize(T op, JsonGenerator gen, SerializerProvider provider) throws IOException {
      gen.writeStartObject(op);
      gen.writeStringField("op", typeId);
      fields(op, gen);
      gen.writeEndObject();
    }

    @Override
    public void serializeWithType(T op, JsonGenerator gen, SerializerProvider provider, TypeSerializer typeSer)
        throws IOException {
      WritableTypeId type = typeSer.writeTypePrefix(gen, typeSer.typeId(op, JsonToken.START_OBJECT));
      fields(op, gen);
      typeSer.writeTypeSuffix(gen, type);
    }
  }

  private static final class Assign extends OpSerializer<Op.AssignTask> {
    private static final long serialVersionUID = 1L;

    Assign() {
      super(Op.AssignTask.class, "assignTask");
    }

    @Override
    void fields(Op.AssignTask op, JsonGenerator gen) throws IOException {
      gen.writeStringField("id", op.id().value());
      gen.writeStringField("agentId", op.agentId());
      gen.writeStringField("host", op.host());
      gen.writeFieldName("ports");
      List<Integer> ports = op.ports();
      gen.writeStartArray(ports, ports.size());
      for (int i = 0; i < ports.size(); i++) {
        gen.writeNumber(ports.get(i));
      }
      gen.writeEndArray();
      gen.writeNumberField("timeMillis", op.timeMillis());
    }
  }

  private static final class Status extends OpSerializer<Op.SaveTaskStatus> {
    private static final long serialVersionUID = 1L;

    Status() {
      super(Op.SaveTaskStatus.class, "taskStatus");
    }

    @Override
    void fields(Op.SaveTaskStatus op, JsonGenerator gen) throws IOException {
      gen.writeStringField("id", op.id().value());
      gen.writeStringField("status", op.status().name());
      gen.writeNumberField("timeMillis", op.timeMillis());
      if (!op.message().isEmpty()) {
        gen.writeStringField("message", op.message());
      }
    }
  }
}
