# R baseline for the M4 Hourly validation split used in docs/RESULTS.md:
# hold out the last 48 values of each training series, forecast h = 48 with frequency 24,
# score sMAPE and MASE (M4 definitions, m = 24), and time each fit + forecast.
# Usage: Rscript docs/eval/r_baseline.R <Hourly-train.csv> <first N series> <auto.arima|ets|snaive>
args <- commandArgs(trailingOnly = TRUE)
file <- args[1]; count <- as.integer(args[2]); method <- args[3]
suppressMessages(library(forecast))
raw <- read.csv(file, stringsAsFactors = FALSE)
h <- 48; m <- 24
smape <- function(a, f) 200 * mean(abs(a - f) / (abs(a) + abs(f)))
mase <- function(ins, a, f) mean(abs(a - f)) / mean(abs(diff(ins, lag = m)))
s <- c(); q <- c(); secs <- 0; cpu <- 0
for (i in seq_len(min(count, nrow(raw)))) {
  y <- as.numeric(raw[i, -1]); y <- y[!is.na(y)]
  n <- length(y) - h
  train <- ts(y[1:n], frequency = m); test <- y[(n + 1):(n + h)]
  t0 <- proc.time()[["elapsed"]]; c0 <- proc.time()[["user.self"]]
  f <- switch(method,
    auto.arima = forecast(auto.arima(train), h = h)$mean,
    ets = forecast(ets(train), h = h)$mean,
    snaive = snaive(train, h = h)$mean)
  secs <- secs + proc.time()[["elapsed"]] - t0; cpu <- cpu + proc.time()[["user.self"]] - c0
  s <- c(s, smape(test, f)); q <- c(q, mase(y[1:n], test, f))
  # one line per series on stderr, flushed, so that a long run stopped early still reports what it did
  message(sprintf("R %s %s [sMAPE=%.3f, MASE=%.4f, cpuMs=%.0f]", method, raw[i, 1], s[length(s)], q[length(q)],
    1000 * (proc.time()[["user.self"]] - c0)))
}
cat(sprintf("R %s [series=%d, sMAPE=%.2f, MASE=%.3f, msPerSeries=%.1f, cpuMsPerSeries=%.1f]\n", method, length(s), mean(s), mean(q),
  1000 * secs / length(s), 1000 * cpu / length(s)))
