/** The Load Forecaster: the forecaster SPI, the forecast table, and the native models. */
package io.presplit.forecast;
