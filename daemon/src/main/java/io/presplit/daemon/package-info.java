/** The standalone process and command line: engine wiring, the demo and the trace replay. */
package io.presplit.daemon;
