package dev.aurora.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures benchmarks measure besides JMH's own score (placed tasks, allocation, latencies, heap),
 * appended by the forked benchmark JVMs to the file named by the system property {@value #PROPERTY} as
 * {@code workload|engine|figure|value} lines, and read back by {@link BenchmarkMain}.
 */
public final class Results {
  public static final String PROPERTY = "aurora.bench.results";

  private Results() {}

  /** Records one figure of a measurement iteration (a no-op when no results file is set). */
  public static synchronized void record(String workload, String engine, String figure, double value) {
    String file = System.getProperty(PROPERTY);
    String line = workload + "|" + engine + "|" + figure + "|" + String.format(Locale.ROOT, "%.6f", value) + "\n";
    if (file == null) {
      System.out.print("  " + line);
      return;
    }
    try {
      Files.writeString(Path.of(file), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every value recorded per {@code workload|engine|figure}, in order. */
  public static Map<String, List<Double>> read(Path file) throws IOException {
    Map<String, List<Double>> all = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return all;
    }
    for (String line : Files.readAllLines(file)) {
      int cut = line.lastIndexOf('|');
      if (cut > 0) {
        all.computeIfAbsent(line.substring(0, cut), k -> new ArrayList<>()).add(Double.parseDouble(line.substring(cut + 1)));
      }
    }
    return all;
  }
}
