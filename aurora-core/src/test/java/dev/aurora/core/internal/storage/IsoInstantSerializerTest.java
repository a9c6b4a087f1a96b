package dev.aurora.core.internal.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.aurora.api.AuroraJson;
import dev.aurora.api.JobKey;
import dev.aurora.core.Op;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The file log writes instants as the same text as before it formatted them itself, so old and new logs read alike. */
class IsoInstantSerializerTest {
  private static final long MIN = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
  private static final long MAX = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();

  @Test
  void instantsAreStoredAsTheSameTextAsInstantToString() {
    List<Instant> instants = new ArrayList<>(List.of(Instant.EPOCH, Instant.ofEpochSecond(-1), Instant.ofEpochSecond(MIN),
        Instant.ofEpochSecond(MAX, 999_999_999), Instant.ofEpochSecond(MIN - 1), Instant.ofEpochSecond(MAX + 1),
        Instant.MIN, Instant.MAX, Instant.parse("2000-02-29T23:59:00Z"), Instant.parse("1900-03-01T00:00:00.5Z"),
        Instant.parse("2026-12-02T02:23:20.123Z"), Instant.parse("2026-12-02T02:23:20.123456Z"),
        Instant.parse("2026-12-02T02:23:20.000000001Z"), Instant.parse("0000-02-29T12:00:00Z")));
    SplittableRandom random = new SplittableRandom(14);
    for (int i = 0; i < 200_000; i++) {
      long second = random.nextLong(MIN - 100_000, MAX + 100_000);
      int nanos = switch (i % 4) {
        case 0 -> 0;
        case 1 -> random.nextInt(1000) * 1_000_000;
        case 2 -> random.nextInt(1_000_000) * 1_000;
        default -> random.nextInt(1_000_000_000);
      };
      instants.add(Instant.ofEpochSecond(second, nanos));
    }
    char[] out = new char[30];
    for (Instant instant : instants) {
      int length = IsoInstantSerializer.format(instant, out);
      String text = length < 0 ? instant.toString() : new String(out, 0, length);
      assertThat(text).as("epoch second %d, nano %d", instant.getEpochSecond(), instant.getNano())
          .isEqualTo(instant.toString());
    }
  }

  @Test
  void opsWithInstantsAreWrittenAsTheModelsOwnMapperWritesThem() throws Exception {
    List<Op> ops = List.of(
        new Op.SaveCronState(JobKey.parse("role/env/cron"), Instant.parse("2026-12-02T02:23:20.123Z")),
        new Op.SaveDrainStart("host-1", Instant.parse("2026-12-02T02:23:00Z")),
        new Op.SaveDrainStart("host-2", Instant.ofEpochSecond(MAX + 10)));
    byte[] before = AuroraJson.newMapper().writerFor(new TypeReference<List<Op>>() {})
        .without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(ops);
    assertThat(new String(LogFormat.WRITER.writeValueAsBytes(ops), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo(new String(before, java.nio.charset.StandardCharsets.UTF_8));
    assertThat(LogFormat.READER.<List<Op>>readValue(before)).isEqualTo(ops);
  }
}
