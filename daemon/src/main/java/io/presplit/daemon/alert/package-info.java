/** Alerts on the control plane: evaluated each tick, exposed as metrics, logged, optionally POSTed to a webhook. */
package io.presplit.daemon.alert;
