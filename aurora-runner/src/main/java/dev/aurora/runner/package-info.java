/**
 * The task runner: runs one task's process graph on this machine with real OS processes, with the
 * semantics of Aurora's Thermos (ordering constraints, parallel processes, {@code maxFailures} and
 * {@code minDuration}, daemon, ephemeral and finalizer processes, graceful shutdown with Aurora's HTTP
 * lifecycle). See {@link dev.aurora.api.ProcessConfig} for the model, {@link
 * dev.aurora.runner.TaskRunner} to run a graph, and {@link dev.aurora.runner.ExecutorMain} for the
 * executor jar's JSON contract.
 *
 * <p>Used in-process by the local backend ({@code aurora-local}) and shipped as a runnable jar that
 * a Mesos backend launches as its custom executor, so the semantics are the same everywhere.
 */
package dev.aurora.runner;
