#!/usr/bin/python3
"""Turns bench/compare/run.sh's per-run JSON files into the results: a
Markdown table and a JSON file in --out, the ratios to Cairn on stdout, and
(with --docs/--png) the plot and the section of docs/benchmarks.md between
<!-- compare:begin --> and <!-- compare:end -->, leaving the rest untouched."""

import argparse
import json
import os
import re

# "cairn" is Cairn through its own client, the row the goals are judged on;
# "cairn_librdkafka" is the same broker through librdkafka, shown beside it.
SYSTEMS = ["cairn", "cairn_librdkafka", "redis", "nats", "rabbitmq"]
TITLES = {"cairn": "Cairn", "cairn_librdkafka": "Cairn through librdkafka", "redis": "Redis Streams",
          "nats": "NATS JetStream", "rabbitmq": "RabbitMQ stream queue"}
# What an acknowledgement means, from each server's documented behaviour in
# the configuration run.sh gives it; the fsync counts in the table check it.
ACKS = {
    "cairn": "after fsync",
    "cairn_librdkafka": "after fsync",
    "redis": "after fsync (appendfsync always)",
    "nats": "acknowledges before fsync",
    "rabbitmq": "acknowledges before fsync",
}
BEGIN, END = "<!-- compare:begin -->", "<!-- compare:end -->"


def load(results_dir):
    runs = {}
    for name in os.listdir(results_dir):
        if name.endswith(".json"):
            with open(os.path.join(results_dir, name)) as f:
                runs[name[:-5]] = json.load(f)
    return runs


def configs(configs_dir):
    out = {}
    for name in sorted(os.listdir(configs_dir)):
        with open(os.path.join(configs_dir, name)) as f:
            out[name] = f.read().strip()
    return out


def ms(value):
    return "%.2f" % value


def tables(runs, present):
    cairn = {size: runs.get("cairn-%s" % size) for size in ("100", "1024")}
    lines = ["| system | acknowledges | record | records/s | MB/s | p50 / p99 / p999 / max ms | "
             "server fsyncs (bytes per fsync) | Cairn ÷ system |", "|---|---|---|---|---|---|---|---|"]
    for system in present:
        for size in ("100", "1024"):
            run = runs.get("%s-%s" % (system, size))
            if run is None:
                continue
            fsyncs = run.get("server_fsyncs", -1)
            sync_text = "%d (%d B)" % (fsyncs, run.get("server_bytes_per_fsync", 0)) if fsyncs > 0 else str(fsyncs)
            ratio = "%.2f×" % (cairn[size]["records_per_s"] / run["records_per_s"]) if cairn[size] else "–"
            lines.append("| %s | %s | %s B | %.0f | %.1f | %s / %s / %s / %s | %s | %s |" % (
                TITLES[system], ACKS[system], size, run["records_per_s"], run["mb_per_s"], ms(run["latency_p50_ms"]),
                ms(run["latency_p99_ms"]), ms(run["latency_p999_ms"]), ms(run["latency_max_ms"]), sync_text,
                ratio if system != "cairn" else "1"))
    lines += ["", "| system | offered load | achieved | p50 / p99 / p999 / max ms (median round) | p99 of each round, "
              "ms (the host's steal in it) | system p99 ÷ Cairn p99 |", "|---|---|---|---|---|---|"]
    cairn_rate = runs.get("cairn-rate")
    for system in present:
        run = runs.get("%s-rate" % system)
        if run is None:
            continue
        ratio = "%.2f×" % (run["latency_p99_ms"] / cairn_rate["latency_p99_ms"]) if cairn_rate else "–"
        p99s = run.get("rounds_p99_ms", [run["latency_p99_ms"]])
        steals = run.get("rounds_steal_percent")
        if steals:
            rounds = ", ".join("%s (%.0f%%)" % (ms(p99), steal) for p99, steal in zip(p99s, steals))
        else:
            rounds = ", ".join(ms(p99) for p99 in p99s)
        lines.append("| %s | %.0f records/s of %d B | %.0f records/s | %s / %s / %s / %s | %s | %s |" % (
            TITLES[system], run["offered_records_per_s"], run["record_bytes"], run["records_per_s"],
            ms(run["latency_p50_ms"]), ms(run["latency_p99_ms"]), ms(run["latency_p999_ms"]),
            ms(run["latency_max_ms"]), rounds, ratio if system != "cairn" else "1"))
    return lines


def peers(present):
    """The other brokers: every system but Cairn's own rows."""
    return [s for s in present if not s.startswith("cairn")]


def rounds_won(cairn, peer):
    """How many fixed-load rounds Cairn's p99 was the lower one in. Round i of
    every system ran in the same round, so the pairs are like for like; the
    median rounds alone can hide a near tie."""
    ours, theirs = cairn.get("rounds_p99_ms"), peer.get("rounds_p99_ms")
    if not ours or not theirs or len(ours) != len(theirs):
        return ""
    won = sum(1 for a, b in zip(ours, theirs) if a < b)
    return "; Cairn's p99 the lower in %d of %d rounds" % (won, len(ours))


def verdicts(runs, present):
    """One line per goal of issue 6, met or not, from the figures."""
    out = []
    cairn = runs.get("cairn-1024")
    if cairn is None:
        return out
    for size in ("100", "1024"):
        c = runs.get("cairn-%s" % size)
        for system in peers(present):
            run = runs.get("%s-%s" % (system, size))
            if c and run:
                ratio = c["records_per_s"] / run["records_per_s"]
                out.append("- Throughput, %s B, Cairn ÷ %s = %.2f (goal ≥ 2): %s" % (
                    size, TITLES[system], ratio, "met" if ratio >= 2 else "**not met**"))
    c = runs.get("cairn-rate")
    for system in peers(present):
        run = runs.get("%s-rate" % system)
        if c and run:
            lower = c["latency_p99_ms"] < run["latency_p99_ms"]
            out.append("- p99 at the fixed load, Cairn %.2f ms vs %s %.2f ms (goal: lower): %s%s" % (
                c["latency_p99_ms"], TITLES[system], run["latency_p99_ms"], "met" if lower else "**not met**",
                rounds_won(c, run)))
    base = runs.get("baselines")
    if base:
        ratio = cairn["mb_per_s"] / base["fsync_mb_per_s"]
        out.append("- Cairn 1 KiB records %.1f MB/s ÷ write+fdatasync %.1f MB/s at %d B per sync = %.2f "
                   "(goal ≥ 0.70): %s" % (cairn["mb_per_s"], base["fsync_mb_per_s"], base["fsync_bytes_per_sync"],
                                          ratio, "met" if ratio >= 0.7 else "**not met**"))
    return out


def axis_label(system):
    """A system's name on the plot's axis, broken onto two lines so five fit side by side."""
    words = TITLES[system].split(" ")
    if len(words) == 1:
        return words[0]
    return " ".join(words[:-1]) + "\n" + words[-1] if len(words) > 2 else "\n".join(words)


def plot(runs, present, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6))
    width = 0.38
    for i, size in enumerate(("100", "1024")):
        values = [runs.get("%s-%s" % (s, size), {}).get("mb_per_s", 0) for s in present]
        xs = [x + (i - 0.5) * width for x in range(len(present))]
        left.bar(xs, values, width, label="%s B records" % size)
    base = runs.get("baselines")
    if base:
        left.axhline(base["fsync_mb_per_s"], color="grey", linestyle="--",
                     label="write+fdatasync, %d B/sync" % base["fsync_bytes_per_sync"])
    left.set_xticks(range(len(present)), [axis_label(s) + ("\n(ack before\nfsync)" if "before" in ACKS[s] else "")
                                          for s in present], fontsize=8)
    left.set_ylabel("record MB/s (produce, acknowledged)")
    left.set_title("Throughput")
    left.legend(fontsize=8)
    p99 = [runs.get("%s-rate" % s, {}).get("latency_p99_ms", 0) for s in present]
    right.bar(range(len(present)), p99, 0.6, color="tab:red")
    right.set_xticks(range(len(present)), [axis_label(s) for s in present], fontsize=8)
    rate = runs.get("cairn-rate") or next((runs[k] for k in runs if k.endswith("-rate")), None)
    right.set_ylabel("p99 produce latency, ms")
    right.set_title("p99 at %.0f records/s of 1 KiB" % (rate["offered_records_per_s"] if rate else 0))
    fig.tight_layout()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, dpi=110)


def section(table, checks, cfg, args, runs):
    base = runs.get("baselines", {})
    lines = [BEGIN, "## Compared with other brokers", "",
             "Generated by `bench/compare/run.sh` (its own section: the run rewrites it). Every system on "
             "loopback, each with its data in a fresh directory on the same filesystem, driven by the drivers of "
             "`bench/compare` with the same load: the same connections, one log (stream, partition, queue) per "
             "connection, the same window of unacknowledged records per connection, the same total bytes per run, "
             "incompressible records. Each system is driven through its own client library: Cairn through client/ "
             "(acks=all, idempotence on, linger.ms 0; 5 requests in flight per partition in the throughput runs, 1 "
             "at the fixed load, so that records gather while their partition's write is out), NATS through "
             "libnats, Redis through hiredis, RabbitMQ through librabbitmq; the row \"Cairn through librdkafka\" is "
             "the same broker driven through librdkafka (linger.ms 1), the client most Kafka applications use. "
             "The throughput runs drive one system at a time. The fixed load runs in "
             "rounds once every server is up: each round drives every system in turn, the order shifted by one "
             "each round, so that a busy spell of this shared machine falls on all alike; each system's figures "
             "are from its round with the median p99. Each round also records how much of the CPUs' time the "
             "hypervisor stole from this virtual machine during it (`steal` in /proc/stat): rounds in a spell of "
             "steal have longer tails whichever system runs. Before every run and round, `sync` writes back the dirty "
             "pages left so far, so that a system that acknowledges before fsync does not have the kernel write "
             "its data back during the next system's run. Latency runs from a record's send (at the fixed load: its "
             "scheduled send) to its acknowledgement. Server fsyncs are counted with `perf` on "
             "`ext4:ext4_sync_file_enter` for the server's process during the throughput runs.", "",
             "Command: `%s`  " % args.command, "Machine: %s" % args.machine, ""]
    first = runs.get("cairn-1024") or next(iter(runs.values()))
    lines.append("Load: %d connections, window %d records per connection (1 KiB), %d records per 1 KiB run." % (
        first.get("connections", 0), first.get("window_records", 0), first.get("records", 0)))
    lines += [""] + table + [""]
    if base:
        lines.append("Physical baselines, same run, measured right after Cairn's throughput runs and before the "
                     "other systems': write+fdatasync of %d B in one file at %d B per sync "
                     "(Cairn's bytes per fsync at 1 KiB): **%.1f MB/s**; loopback TCP, one connection, 1 MiB "
                     "writes: **%.0f MB/s**." % (base["fsync_bytes"], base["fsync_bytes_per_sync"],
                                                   base["fsync_mb_per_s"], base["loopback_mb_per_s"]))
        lines.append("")
    lines += ["Goals of issue 6 on this run:", ""] + checks + [""]
    lines += ["![throughput and p99](img/compare.png)", "", "<details><summary>Server configurations</summary>", ""]
    for name, text in cfg.items():
        lines += ["`%s`:" % name, "", "```", text, "```", ""]
    lines += ["</details>", END]
    return "\n".join(lines)


def write_docs(path, text):
    with open(path) as f:
        doc = f.read()
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if pattern.search(doc):
        doc = pattern.sub(lambda _: text, doc)
    else:
        doc = doc.rstrip("\n") + "\n\n" + text + "\n"
    with open(path, "w") as f:
        f.write(doc)


def main():
    parser = argparse.ArgumentParser()
    for flag in ("--results", "--configs", "--out", "--command", "--machine"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--docs")
    parser.add_argument("--png")
    args = parser.parse_args()
    runs = load(args.results)
    cfg = configs(args.configs)
    present = [s for s in SYSTEMS if any(k.startswith(s + "-") for k in runs)]
    table = tables(runs, present)
    checks = verdicts(runs, present)
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump({"command": args.command, "machine": args.machine, "runs": runs, "configs": cfg,
                   "acknowledges": ACKS}, f, indent=1)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write("\n".join(table + [""] + checks) + "\n")
    png = args.png or os.path.join(args.out, "compare.png")
    plot(runs, present, png)
    if args.docs:
        write_docs(args.docs, section(table, checks, cfg, args, runs))
    print("\n".join(table))
    print()
    print("\n".join(checks))
    print("\nwritten: %s, %s, %s%s" % (os.path.join(args.out, "results.md"), os.path.join(args.out, "results.json"),
                                      png, ", " + args.docs if args.docs else ""))


if __name__ == "__main__":
    main()
