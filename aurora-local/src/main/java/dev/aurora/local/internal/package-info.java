/**
 * The local backend's engine: agents and offers, tasks and their sandboxes, process groups, health
 * probes, memory sampling and orphan reaping. Not public API: use {@link dev.aurora.local.LocalBackend}.
 */
package dev.aurora.local.internal;
