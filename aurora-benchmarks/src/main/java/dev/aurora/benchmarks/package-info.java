/**
 * JMH benchmarks of placement speed and quality, side by side with peers. Not built yet.
 * It may depend on every other module; nothing depends on it.
 */
package dev.aurora.benchmarks;
