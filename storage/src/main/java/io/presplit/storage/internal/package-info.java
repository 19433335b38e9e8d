/** Helpers of the storage module that are not its API: file-system operations and error construction. */
package io.presplit.storage.internal;
