/** The partition catalog: a persisted Chronicle Map mirror of partitions, lineage, states and the routing epoch. */
package io.presplit.storage.meta;
