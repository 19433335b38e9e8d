/** Ring-buffer wiring between agents: the only place that hands off-heap segment addresses to Agrona. */
package io.presplit.ring;
