#!/usr/bin/env python3
"""Minimum, median and maximum of every single shot in JMH JSON results (`-bm ss ... -rf json -rff FILE`).

docs/BENCHMARKS.md quotes the profiler's fold as "minimum / median of 40 single shots": JMH's own summary is the
mean, which one preempted shot on this shared VM moves by milliseconds. Run A and B jars alternately, then:

    python3 docs/eval/jmh-shots.py a1.json b1.json a2.json b2.json

One line per file, benchmark and parameter set. With --boundary N, shots whose measured index i has
(i + offset) % N == 0 are reported apart (offset: --offset, the ticks before the first measured one), as the
row-boundary figures of the tenth pass were read before ProfilerFoldBenchmark had `atRowBoundary`.
"""
import argparse
import json
import statistics


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", help="JMH JSON result files")
    parser.add_argument("--boundary", type=int, default=0, help="report every N-th shot apart (0: off)")
    parser.add_argument("--offset", type=int, default=0, help="ticks before the first measured shot")
    args = parser.parse_args()
    for name in args.files:
        with open(name) as f:
            results = json.load(f)
        for result in results:
            shots = [x for iteration in result["primaryMetric"]["rawData"] for x in iteration]
            params = " ".join(f"{k}={v}" for k, v in sorted(result.get("params", {}).items()))
            unit = result["primaryMetric"]["scoreUnit"]
            apart = []
            if args.boundary > 0:
                apart = [x for i, x in enumerate(shots) if (i + args.offset) % args.boundary == 0]
                shots = [x for i, x in enumerate(shots) if (i + args.offset) % args.boundary != 0]
            line = (f"{name} {result['benchmark'].rsplit('.', 1)[-1]} {params}: "
                    f"min {min(shots):.2f} / median {statistics.median(shots):.2f} / max {max(shots):.2f} {unit} "
                    f"({len(shots)} shots)")
            if apart:
                line += " | apart: " + ", ".join(f"{x:.1f}" for x in apart)
            print(line)


if __name__ == "__main__":
    main()
