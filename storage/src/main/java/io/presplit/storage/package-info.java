/**
 * The memory-mapped partition store: routing of writes to partitions, the per-thread write path, reads over a
 * partition's lineage, and the participant side of the split/merge two-phase commit.
 */
package io.presplit.storage;
