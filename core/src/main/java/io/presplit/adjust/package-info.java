/** The Partition Adjustment Engine: split, merge and hold decisions over structure-of-arrays partition metadata. */
package io.presplit.adjust;
