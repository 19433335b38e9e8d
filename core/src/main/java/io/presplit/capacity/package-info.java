/** The Capacity Planner: per-partition capacity per resource, from configured hardware and SLO figures. */
package io.presplit.capacity;
