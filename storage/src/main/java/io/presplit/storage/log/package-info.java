/** Append-only partition logs: chains of memory-mapped segment files, their on-disk format and record views. */
package io.presplit.storage.log;
