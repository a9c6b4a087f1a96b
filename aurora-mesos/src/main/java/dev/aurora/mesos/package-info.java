/**
 * A {@code ClusterBackend} that speaks the Mesos v1 HTTP scheduler API. Not built yet: this module
 * holds only its place in the build. It depends on aurora-core only, never on another backend.
 */
package dev.aurora.mesos;
