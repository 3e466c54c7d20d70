"""`python -m bench`: the benchmarks on the local broker, printed as one table.

python -m bench [--quick] [--only throughput,latency,restore,memory,replay]
                [--runs 3] [--accounts N] [--profile DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from bench import baseline, latency, replay, restore, throughput
from bench.machine import describe
from bench.profile import summarise
from bench.table import Figure, render
from bench.workload import encoded, simulated

ALL = ("throughput", "latency", "restore", "memory", "replay")


@dataclass(frozen=True)
class Sizes:
    label: str
    tp_accounts: int = 50_000
    tp_days: int = 4
    restore_accounts: int = 1_000_000
    latency_accounts: int = 20_000
    latency_seconds: float = 60.0
    replay_accounts: int = 5_000
    replay_days: int = 90


FULL = Sizes("full")
QUICK = Sizes("quick", 10_000, 3, 20_000, 5_000, 15.0, 1_000, 30)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.accounts:
        sizes = replace(sizes, restore_accounts=args.accounts)
    only = set(args.only.split(",")) if args.only else set(ALL)
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:19092")
    logs = Path(tempfile.mkdtemp(prefix="bench-logs-"))
    figures: list[Figure] = []
    started = time.strftime("%Y-%m-%d %H:%M %Z")
    if "throughput" in only:
        figures += _throughput(bootstrap, sizes, args.runs, logs, args.profile)
    if "latency" in only:
        figures += _latency(bootstrap, sizes, args.runs, logs)
    if only & {"restore", "memory"}:
        figures += _restore(bootstrap, sizes, args.runs, logs, only)
    if "replay" in only:
        figures += _replay(sizes, args.runs)
    print(f"\n## Benchmarks ({sizes.label} mode, {args.runs} runs each, {started})\n")
    print("\n".join(describe()))
    print()
    print(render(figures))
    print(f"\nworker logs: {logs}")
    return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="small sizes: a few minutes")
    p.add_argument("--only", help="comma-separated subset of " + ",".join(ALL))
    p.add_argument("--runs", type=int, default=3, help="runs per benchmark (median)")
    p.add_argument("--accounts", type=int, help="accounts for restore and memory")
    p.add_argument("--profile", type=Path, help="py-spy the 1-worker runs into this dir")
    return p


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _throughput(
    bootstrap: str, sizes: Sizes, runs: int, logs: Path, profile: Path | None
) -> list[Figure]:
    records = encoded(simulated(sizes.tp_accounts, sizes.tp_days))
    _say(f"throughput: {len(records)} events ({sizes.tp_accounts} accounts, {sizes.tp_days} days)")
    one = Figure("throughput, 1 worker", "events/s", target=">= 10,000", bound=10_000)
    ready = Figure("throughput, 1 worker, from ready to lag 0", "events/s")
    per_cpu = Figure("1 worker, events per CPU-second of the worker", "events/s")
    two = Figure("throughput, 2 workers, in total", "events/s")
    scale = Figure("2 workers / 1 worker (totals)", "ratio", target=">= 1.6", bound=1.6)
    base = Figure("baseline: transactional confluent-kafka loop, same engine", "events/s")
    ratio = Figure("pipeline / baseline (1 worker)", "ratio", target=">= 0.8", bound=0.8)
    cpu_ratio = Figure("pipeline / baseline, per CPU-second", "ratio")
    commit = Figure(
        f"baseline: one transaction (up to {baseline.BATCH:,} inputs)", "ms", higher_is_better=False
    )
    startup = Figure("worker start-up (spawn to ready, 1 worker)", "s")
    for i in range(runs):
        out = profile / f"worker-{i}.txt" if profile is not None else None
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
        r1 = throughput.run(bootstrap, records, 1, logs, out)
        if out is not None and out.exists():
            _say(summarise(out))
        r2 = throughput.run(bootstrap, records, 2, logs)
        b = baseline.run(bootstrap, records)
        one.runs.append(r1.per_worker)
        ready.runs.append(r1.ready_rate)
        per_cpu.runs.append(r1.per_cpu_second)
        two.runs.append(r2.per_worker * 2)
        scale.runs.append(r2.per_worker * 2 / r1.per_worker)
        base.runs.append(b.rate)
        ratio.runs.append(r1.per_worker / b.rate)
        cpu_ratio.runs.append(r1.per_cpu_second / b.per_cpu_second)
        commit.runs.append(b.commit_ms)
        startup.runs.append(r1.startup)
        _say(
            f"  run {i + 1}: 1w {r1.per_worker:,.0f}/s ({r1.per_cpu_second:,.0f} per CPU-s), "
            f"2w {r2.per_worker * 2:,.0f}/s in total ({r2.per_cpu_second:,.0f} per CPU-s), "
            f"baseline {b.rate:,.0f}/s (a transaction: {b.commit_ms:.1f} ms)"
        )
    one.note = (
        f"{len(records):,} simulated events (Avro) pre-produced to 6 partitions; event clock; "
        "committed from the first commit to the last (the baseline's likewise)"
    )
    ready.note = "all events over readiness to a committed lag of 0: adds the first fetch"
    per_cpu.note = "the rate with a core of its own, whatever else shared the machine"
    cpu_ratio.note = "events per CPU-second of the worker process over the baseline's process"
    return [one, ready, per_cpu, two, scale, base, ratio, cpu_ratio, commit, startup]


def _latency(bootstrap: str, sizes: Sizes, runs: int, logs: Path) -> list[Figure]:
    p50 = Figure("latency p50 at 1,000 events/s", "ms", higher_is_better=False)
    p99 = Figure(
        "latency p99 at 1,000 events/s", "ms", target="<= 200", bound=200, higher_is_better=False
    )
    any50 = Figure("latency p50, any output vs its customer's last input", "ms", [], "", False)
    any99 = Figure("latency p99, any output vs its customer's last input", "ms", [], "", False)
    for i in range(runs):
        r = latency.run(bootstrap, sizes.latency_accounts, 1000, sizes.latency_seconds, logs)
        p50.runs.append(r.p50_ms)
        p99.runs.append(r.p99_ms)
        any50.runs.append(r.any_p50_ms)
        any99.runs.append(r.any_p99_ms)
        _say(
            f"  latency run {i + 1}: {r.samples} caused outputs, p50 {r.p50_ms:.0f} ms, "
            f"p99 {r.p99_ms:.0f} ms at {r.rate:,.0f} events/s; {r.any_samples} outputs of "
            f"any kind: p50 {r.any_p50_ms:.0f} ms, p99 {r.any_p99_ms:.0f} ms"
        )
    p99.note = (
        "occurred_at (stamped at send) to the segment change it caused, read by a "
        "read_committed consumer; wall clock"
    )
    return [p50, p99, any50, any99]


def _restore(bootstrap: str, sizes: Sizes, runs: int, logs: Path, only: set[str]) -> list[Figure]:
    n = sizes.restore_accounts
    _say(f"restore/memory: building {n:,} accounts")
    r = restore.run(bootstrap, n, runs, logs)
    _say(f"  built in {r.build_seconds:.0f}s; restarts local {r.local}, changelog {r.changelog}")
    out = []
    if "restore" in only:
        out.append(
            Figure(
                f"restore, {n:,} accounts, local RocksDB kept", "s", r.local, "< 60", False, 60.0
            )
        )
        out.append(
            Figure(
                f"restore, {n:,} accounts, empty data dir (changelog)",
                "s",
                r.changelog,
                "< 60",
                False,
                60.0,
            )
        )
    if "memory" in only:
        mem = Figure(
            f"resident memory per account, {n:,} accounts",
            "bytes",
            [r.bytes_per_account],
            "< 1,024",
            False,
            1024.0,
        )
        mem.note = (
            f"(RSS after build {r.rss_full / 2**20:,.0f} MiB - RSS empty "
            f"{r.rss_empty / 2**20:,.0f} MiB) / accounts; one build"
        )
        out.append(mem)
    return out


def _replay(sizes: Sizes, runs: int) -> list[Figure]:
    fig = Figure(
        "offline replay (event time, no Kafka)", "events/s", target=">= 100,000", bound=100_000
    )
    for i in range(runs):
        events, rate = replay.run(sizes.replay_accounts, sizes.replay_days)
        fig.runs.append(rate)
        _say(f"  replay run {i + 1}: {events:,} events, {rate:,.0f} events/s")
    fig.note = f"{sizes.replay_accounts:,} accounts x {sizes.replay_days} days, with reactions"
    return [fig]


if __name__ == "__main__":
    raise SystemExit(main())
