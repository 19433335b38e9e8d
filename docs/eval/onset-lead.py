#!/usr/bin/env python3
"""Do the bursts of a wide load trace announce themselves, in their own past or in other keys' present?

Reads a wide CSV (timestamp, then one column per key; blank = no sample), carries each key's last value over gaps
inside its life as the replay does, and takes the replay's default capacity (mean total / (4 partitions x 0.5)).
An onset is a key's rise of more than --rise (share of capacity) in one tick. It prints:
  - how many onsets share their tick with at least 3 other keys' onsets (synchronized fleet bursts);
  - how often at least 3 keys' onsets came the tick before (a lead other partitions could give), against how often
    any tick has that many;
  - onsets in the tick after a fleet-onset tick (5 or more onsets) against any tick;
  - the key's own rise of more than 2 % of capacity the tick before its onset, against any tick;
  - the fleet total's growth the tick before a fleet onset, against any tick.

  python3 docs/eval/onset-lead.py ../shared/data/bitbrains_rnd/cpu_usage_mhz_15min.csv
Needs numpy.
"""
import argparse
import csv

import numpy as np


def load(path):
    with open(path, newline='') as f:
        rows = list(csv.reader(f))
    keys = len(rows[0]) - 1
    x = np.full((len(rows) - 1, keys), np.nan)
    for i, row in enumerate(rows[1:]):
        for j, cell in enumerate(row[1:keys + 1]):
            if cell != '':
                x[i, j] = float(cell)
    for j in range(keys):
        seen = np.flatnonzero(~np.isnan(x[:, j]))
        if len(seen) == 0:
            continue
        first, last = seen[0], seen[-1]
        column = x[first:last + 1, j]
        for i in range(1, len(column)):  # gaps inside the key's life carry its last value
            if np.isnan(column[i]):
                column[i] = column[i - 1]
    return np.nan_to_num(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('trace')
    parser.add_argument('--rise', type=float, default=0.1, help='onset: a rise above this share of capacity')
    parser.add_argument('--partitions', type=int, default=4)
    args = parser.parse_args()
    x = load(args.trace)
    total = x.sum(axis=1)
    capacity = total.mean() / (args.partitions * 0.5)
    rise = np.diff(x, axis=0)                      # rise[i] = x[i + 1] - x[i]
    onset = rise > args.rise * capacity
    per_tick = onset.sum(axis=1)
    onsets = np.argwhere(onset)
    n = len(onsets)
    print(f'{x.shape[0]} ticks, {x.shape[1]} keys, capacity {capacity:.6g}; {n} onsets '
          f'(rise > {args.rise:.0%} of capacity in one tick)')
    same = np.mean([per_tick[i] - 1 >= 3 for i, _ in onsets])
    before = np.mean([i >= 1 and per_tick[i - 1] >= 3 for i, _ in onsets])
    print(f'share of onsets with >= 3 other onsets in the same tick: {same:.1%}')
    print(f'share of onsets with >= 3 onsets the tick before: {before:.1%}; '
          f'share of all ticks with >= 3 onsets: {np.mean(per_tick >= 3):.1%}')
    fleet = np.flatnonzero(per_tick >= 5)
    after = per_tick[fleet[fleet + 1 < len(per_tick)] + 1]
    print(f'fleet-onset ticks (>= 5 onsets): {len(fleet)}, {per_tick[fleet].mean():.1f} onsets each; '
          f'onsets in the tick after: {after.mean():.2f}, in any tick: {per_tick.mean():.2f}')
    own = np.array([rise[i - 1, j] for i, j in onsets if i >= 1])
    print(f'own rise > 2% of capacity the tick before an onset: {np.mean(own > 0.02 * capacity):.1%} of onsets; '
          f'in any tick: {np.mean(rise > 0.02 * capacity):.1%} of key-ticks')
    growth = np.array([total[i] / total[i - 1] for i in fleet if i >= 1 and total[i - 1] > 0])
    every = total[1:][total[:-1] > 0] / total[:-1][total[:-1] > 0]
    print(f'fleet total growth the tick before a fleet onset: median {np.median(growth):.3f}, '
          f'p90 {np.percentile(growth, 90):.3f}; any tick: median {np.median(every):.3f}, '
          f'p90 {np.percentile(every, 90):.3f}')


if __name__ == '__main__':
    main()
