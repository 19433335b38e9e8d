/** A bounded load test of HTTP line-protocol ingest on loopback: throughput, latency percentiles, points counted back. */
package io.presplit.daemon.loadtest;
