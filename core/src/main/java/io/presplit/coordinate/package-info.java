/** The Split/Merge Coordinator: two-phase commit over storage participants, with a durable coordinator log. */
package io.presplit.coordinate;
