/** Presplit: predictive adaptive partitioning for time-series data. */
package io.presplit;
