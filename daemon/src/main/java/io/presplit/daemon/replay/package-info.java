/** Replays a recorded load trace through the real engine on a virtual clock, under several policies. */
package io.presplit.daemon.replay;
