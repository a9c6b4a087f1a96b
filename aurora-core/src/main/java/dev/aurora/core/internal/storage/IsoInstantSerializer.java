package dev.aurora.core.internal.storage;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.time.Instant;

/**
 * Writes an {@link Instant} as the same ISO-8601 text as {@link Instant#toString()} (what Jackson's
 * JavaTimeModule writes with timestamps off: {@code 2026-12-02T02:23:20.123Z}), without going through
 * {@code DateTimeFormatter}: the file log writes several instants per stored task, and formatting them
 * was about half of the time spent encoding a task (issue 14's W4 profile). Years outside 0000-9999
 * (never met in practice) go through {@code Instant.toString()}. The bytes are the same either way, so
 * logs and snapshots read exactly as before.
 */
final class IsoInstantSerializer extends StdSerializer<Instant> {
  private static final long serialVersionUID = 1L;
  /** 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z in epoch seconds: the range formatted here. */
  private static final long MIN_SECOND = -62_167_219_200L;
  private static final long MAX_SECOND = 253_402_300_799L;

  IsoInstantSerializer() {
    super(Instant.class);
  }

  @Override
  public void serialize(Instant value, JsonGenerator gen, SerializerProvider provider) throws IOException {
    char[] text = new char[30];
    int length = format(value, text);
    if (length < 0) {
      gen.writeString(value.toString());
    } else {
      gen.writeString(text, 0, length);
    }
  }

  /** Writes {@code value} as {@link Instant#toString()} does into {@code out} (30 chars), or returns -1 if out of range. */
  static int format(Instant value, char[] out) {
    long seconds = value.getEpochSecond();
    if (seconds < MIN_SECOND || seconds > MAX_SECOND) {
      return -1;
    }
    long days = Math.floorDiv(seconds, 86_400L);
    int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
    // civil date from days since 1970-01-01 (H. Hinnant's algorithm, proleptic Gregorian as java.time)
    long z = days + 719_468L;
    long era = Math.floorDiv(z, 146_097L);
    long dayOfEra = z - era * 146_097L;
    long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
    long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    long mp = (5 * dayOfYear + 2) / 153;
    int day = (int) (dayOfYear - (153 * mp + 2) / 5 + 1);
    int month = (int) (mp < 10 ? mp + 3 : mp - 9);
    int year = (int) (yearOfEra + era * 400 + (month <= 2 ? 1 : 0));
    int p = 0;
    p = digits(out, p, year, 4);
    out[p++] = '-';
    p = digits(out, p, month, 2);
    out[p++] = '-';
    p = digits(out, p, day, 2);
    out[p++] = 'T';
    p = digits(out, p, secondOfDay / 3600, 2);
    out[p++] = ':';
    p = digits(out, p, secondOfDay / 60 % 60, 2);
    out[p++] = ':';
    p = digits(out, p, secondOfDay % 60, 2);
    int nanos = value.getNano();
    if (nanos != 0) {
      out[p++] = '.';
      if (nanos % 1_000_000 == 0) {
        p = digits(out, p, nanos / 1_000_000, 3);
      } else if (nanos % 1_000 == 0) {
        p = digits(out, p, nanos / 1_000, 6);
      } else {
        p = digits(out, p, nanos, 9);
      }
    }
    out[p++] = 'Z';
    return p;
  }

  private static int digits(char[] out, int at, int value, int width) {
    for (int i = at + width - 1; i >= at; i--) {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
    return at + width;
  }
}
