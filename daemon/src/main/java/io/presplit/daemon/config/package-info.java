/** The daemon's configuration: a YAML file whose every setting has a documented default. */
package io.presplit.daemon.config;
