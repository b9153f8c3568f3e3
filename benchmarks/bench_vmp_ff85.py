"""Benchmark: the VMP-FF-85 peer workload (shared/peers/WORKLOAD.md) through `simulate_explicit`, beside its peers.

Usage:  python benchmarks/bench_vmp_ff85.py [--sizes H:N,...] [--skip-peers plain,simpy,c] [--repeat R]

For each size the peers' own random stream is dumped once with
`peers/c_reference/gen_stream.py` (cached under --cache-dir) and read with numpy;
arrival times are the cumulative sum of the gaps (checked bit-identical to the
peers' sequential `now + gap`). cloudtwin's result must equal the plain-Python
peer's and the C reference's (accepted, rejected, departures, free-core CRC32).
Peers run in the same invocation: plain Python and SimPy from a temp folder, the
C reference through `run_c.sh` (stream from the same file, read excluded from its
wall_s). cloudtwin's wall_s is timed like the peers' (state setup + simulation,
perf_counter): the JIT is warmed up first and its load/compile time reported apart.
Skipped by default because they would run over 10 minutes: SimPy at H >= 100k,
plain Python at H >= 1M. Prints a markdown table and a JSON line per size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numba
import numpy as np

from cloudtwin.arrivals import Arrivals
from cloudtwin.engine import loop as engine_loop
from cloudtwin.engine import simulate_explicit

PEERS = Path(__file__).resolve().parents[1].parent / "shared" / "peers"
TYPES = np.array([(2, 8), (4, 16), (8, 32), (16, 64)])  # (vCPU, GiB), WORKLOAD.md
DEFAULT_SIZES = "1000:100000,10000:1000000,100000:1000000,1000000:10000000"
# H at and above which a peer would take over 10 minutes on this machine (peers/README.md timings:
# plain 122 s at H=100k N=1M and O(H^2) in N ~ H; SimPy 30.6 s at H=10k, ~3x plain's time)
TOO_SLOW = {"plain": 1_000_000, "simpy": 100_000}


def read_stream(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """gap, life, type|zone<<2 from gen_stream.py's file (header 48 bytes, then blocks of K arrivals)."""
    raw = path.read_bytes()
    n, block = (int(x) for x in np.frombuffer(raw, np.uint64, 2, 8))
    gaps, lives, tz = [], [], []
    pos, left = 48, n
    while left:
        k = min(block, left)
        gaps.append(np.frombuffer(raw, np.float64, k, pos))
        lives.append(np.frombuffer(raw, np.float64, k, pos + 8 * k))
        tz.append(np.frombuffer(raw, np.uint8, k, pos + 16 * k))
        pos += 17 * k
        left -= k
    return np.concatenate(gaps), np.concatenate(lives), np.concatenate(tz)


def sequential_times(gaps: np.ndarray) -> np.ndarray:
    """Arrival times t_k = t_(k-1) + gap_k; np.cumsum adds in order, checked against a Python float loop."""
    times = np.cumsum(gaps)
    now, check = 0.0, np.empty(len(gaps))
    for k, g in enumerate(gaps.tolist()):
        now += g
        check[k] = now
    if not np.array_equal(times.view(np.int64), check.view(np.int64)):
        raise SystemExit("np.cumsum is not bit-identical to sequential float64 addition here")
    return times


def stream_arrivals(hosts: int, n: int, cache: Path) -> Arrivals:
    path = cache / f"s_{hosts}_{n}_42.bin"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                str(PEERS / "c_reference" / "gen_stream.py"),
                "--hosts",
                str(hosts),
                "--arrivals",
                str(n),
                "--seed",
                "42",
                "--out",
                str(path),
            ],
            check=True,
        )
    gaps, lives, tz = read_stream(path)
    kind = tz & 3
    return Arrivals.from_columns(
        time_s=sequential_times(gaps),
        vcpus=TYPES[kind, 0],
        memory_mib=TYPES[kind, 1] * 1024,
        zone=tz >> 2,
        lifetime_s=lives,
    )


def fleet(hosts: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """H hosts of 64 vCPUs / 256 GiB; zone z owns [z*H//3, (z+1)*H//3)."""
    return np.full(hosts, 64), np.full(hosts, 256 * 1024), np.array([z * hosts // 3 for z in range(4)])


def warm_up() -> dict[str, object]:
    """Load (or compile) the engine's compiled code once, outside any timing."""
    t0 = time.perf_counter()
    tiny = Arrivals.from_columns(
        time_s=[1.0, 2.0], vcpus=[2, 4], memory_mib=[8192, 16384], zone=[0, 1], lifetime_s=[5.0, 5.0]
    )
    simulate_explicit(*fleet(30), tiny)
    hits = sum(engine_loop.run.stats.cache_hits.values())
    return {"jit_s": round(time.perf_counter() - t0, 3), "from_cache": hits > 0}


def run_python_peer(script: str, hosts: int, n: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as cwd:
        out = subprocess.run(
            [sys.executable, str(PEERS / script), "--hosts", str(hosts), "--arrivals", str(n), "--seed", "42"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_c_peer(hosts: int, n: int, cache: Path) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, OUT=out, STREAM_DIR=str(cache), PY=sys.executable)
        subprocess.run(
            ["bash", str(PEERS / "c_reference" / "run_c.sh"), f"{hosts} {n}"], env=env, check=True, capture_output=True
        )
        return json.loads((Path(out) / f"c_segtree_{hosts}_{n}.json").read_text())


def measure(hosts: int, n: int, skip: set[str], repeat: int, cache: Path) -> dict[str, object]:
    arrivals = stream_arrivals(hosts, n, cache)
    runs = [simulate_explicit(*fleet(hosts), arrivals) for _ in range(repeat)]
    ours = min(runs, key=lambda r: r["wall_s"])
    row: dict[str, object] = {
        "hosts": hosts,
        "arrivals": n,
        "accepted": ours["accepted"],
        "rejected": ours["rejected"],
        "departures": ours["departures"],
        "events": ours["events"],
        "state_crc32": zlib.crc32(ours["free_vcpus"].astype(np.uint8).tobytes()),
        "wall_s": round(ours["wall_s"], 4),
        "events_per_s": round(ours["events_per_s"]),
        "wall_s_all": [round(r["wall_s"], 4) for r in runs],
    }
    for name in ("plain", "simpy", "c"):
        if name in skip or hosts >= TOO_SLOW.get(name, sys.maxsize):
            row[name] = None
            continue
        peer = (
            run_c_peer(hosts, n, cache)
            if name == "c"
            else run_python_peer(f"{'plain_python' if name == 'plain' else 'simpy'}_placement.py", hosts, n)
        )
        same = all(peer[k] == row[k] for k in ("accepted", "rejected", "departures", "state_crc32"))
        row[name] = {"wall_s": peer["wall_s"], "events_per_s": peer["events_per_s"], "same_result": same}
        if not same:
            raise SystemExit(f"cloudtwin differs from the {name} peer at H={hosts}: {row} vs {peer}")
    return row


def table(rows: list[dict[str, object]]) -> str:
    head = (
        "| H | N | accepted / rejected | cloudtwin s · ev/s | plain Python ev/s · ratio "
        "| SimPy ev/s · ratio | C reference ev/s · cloudtwin/C |\n|---|---|---|---|---|---|---|"
    )
    lines = [head]
    for r in rows:
        cells = []
        for name in ("plain", "simpy", "c"):
            p = r[name]
            if p is None:
                cells.append("skipped")
            else:
                ratio = r["events_per_s"] / p["events_per_s"]  # type: ignore[index,operator]
                cells.append(f"{p['events_per_s'] / 1e6:.3g} M · {ratio:.3g}×")  # type: ignore[index]
        lines.append(
            f"| {r['hosts']:,} | {r['arrivals']:,} | {r['accepted']:,} / {r['rejected']:,} | "
            f"{r['wall_s']:.3f} · {r['events_per_s'] / 1e6:.3g} M | " + " | ".join(cells) + " |"
        )
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default=DEFAULT_SIZES, help="comma-separated H:N pairs")
    p.add_argument("--skip-peers", default="", help="comma-separated subset of plain,simpy,c")
    p.add_argument("--repeat", type=int, default=1, help="cloudtwin runs per size (best wall reported)")
    p.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "cloudtwin-vmp-streams")
    a = p.parse_args()
    if not PEERS.exists():
        raise SystemExit(f"the peers are not at {PEERS}")
    skip = {s for s in a.skip_peers.split(",") if s}
    sizes = [tuple(int(x) for x in pair.split(":")) for pair in a.sizes.split(",")]
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
        f"Python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}"
    )
    print(json.dumps({"machine": machine, **warm_up()}), flush=True)
    rows = []
    for hosts, n in sizes:
        rows.append(measure(hosts, n, skip, a.repeat, a.cache_dir))
        print(json.dumps(rows[-1]), flush=True)
    print(table(rows))


if __name__ == "__main__":
    main()
