/** The long-running service: the engine's control loop on its own thread, lifecycle, and the published snapshot. */
package io.presplit.daemon.service;
