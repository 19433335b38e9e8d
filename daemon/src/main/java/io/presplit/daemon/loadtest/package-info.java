/** A bounded load test of HTTP line-protocol ingest on loopback: throughput, latency, points counted back. */
package io.presplit.daemon.loadtest;
