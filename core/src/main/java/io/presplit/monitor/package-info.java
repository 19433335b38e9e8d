/** Monitoring shared by all modules: counters on a memory-mapped file that tools read from outside, and JFR events. */
package io.presplit.monitor;
