/** The Historical Load Profiler: the ingest-path load recorder, the tick fold, and the load history. */
package io.presplit.profile;
