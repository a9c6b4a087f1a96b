/**
 * A {@code ClusterBackend} that speaks the Mesos v1 HTTP scheduler API ({@link dev.aurora.mesos.MesosBackend}),
 * and one for the classic native driver ({@link dev.aurora.mesos.ClassicDriverBackend}). Implementation
 * details are in {@code dev.aurora.mesos.internal}, which users must not import. See docs/mesos.md.
 */
package dev.aurora.mesos;
