package dev.aurora.runner;

import java.util.ArrayList;
import java.util.List;

/** Records what a run reports. */
final class Recorder implements RunnerListener {
  final List<ProcessReport> reports = new ArrayList<>();
  final List<TaskOutcome> outcomes = new ArrayList<>();

  @Override
  public synchronized void processChanged(ProcessReport report) {
    reports.add(report);
  }

  @Override
  public synchronized void taskEnded(TaskOutcome outcome) {
    outcomes.add(outcome);
  }

  synchronized List<ProcessReport> of(String process) {
    return reports.stream().filter(r -> r.process().equals(process)).toList();
  }

  synchronized List<String> order(ProcessState state) {
    return reports.stream().filter(r -> r.state() == state).map(ProcessReport::process).toList();
  }

  synchronized List<ProcessReport> all() {
    return List.copyOf(reports);
  }
}
