/** Duty-cycle agents that run the control plane, under a dedicated thread or on the caller's thread. */
package io.presplit.agent;
