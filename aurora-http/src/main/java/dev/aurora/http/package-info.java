/**
 * The operator HTTP API, web UI and {@code /metrics}. Not built yet: this module holds only its place in
 * the build. It calls only the public {@code Scheduler} API and never reaches into core internals.
 */
package dev.aurora.http;
