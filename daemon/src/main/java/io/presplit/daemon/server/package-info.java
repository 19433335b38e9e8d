/** The HTTP API on Netty: line-protocol writes, queries, admin, Prometheus metrics, health and the status page. */
package io.presplit.daemon.server;
