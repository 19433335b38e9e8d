/** Off-heap memory helpers: owner-tagged native regions, huge-page advice, leak accounting. */
package io.presplit.memory;
