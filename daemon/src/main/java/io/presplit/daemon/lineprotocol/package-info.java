/** InfluxDB line protocol: an allocation-conscious parser from bytes to Presplit points (series key, time, value). */
package io.presplit.daemon.lineprotocol;
