"""Prints, as JSON, the fixed-load round with the median p99 among the
result files given (one per round, in round order), with every round's p99
added as rounds_p99_ms and, where recorded, the host's steal during each
round as rounds_steal_percent. With an even count, the lower of the two middle
rounds is taken."""
import json
import sys


def main(paths):
    if not paths:
        sys.exit("usage: median_round.py ROUND.json...")
    rounds = []
    for path in paths:
        with open(path) as f:
            rounds.append(json.load(f))
    by_p99 = sorted(rounds, key=lambda r: r["latency_p99_ms"])
    chosen = dict(by_p99[(len(by_p99) - 1) // 2])
    chosen["rounds_p99_ms"] = [r["latency_p99_ms"] for r in rounds]
    if all("host_steal_percent" in r for r in rounds):
        chosen["rounds_steal_percent"] = [r["host_steal_percent"] for r in rounds]
    json.dump(chosen, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main(sys.argv[1:])
