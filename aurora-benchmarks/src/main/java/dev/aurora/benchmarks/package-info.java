/**
 * JMH benchmarks of placement speed and quality (W1 place-all, W2 churn, W3 a million tasks, W4 status
 * updates), our engine beside Netflix Fenzo on the same seeded workloads; {@link
 * dev.aurora.benchmarks.BenchmarkMain} runs them all and prints the table in docs/performance.md. It may
 * depend on every other module; nothing depends on it.
 */
package dev.aurora.benchmarks;
