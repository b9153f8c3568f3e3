"""Benchmark: the VMP-FF-85 peer workload (shared/peers/WORKLOAD.md) through `simulate_explicit`, beside its peers.

Usage:  python benchmarks/bench_vmp_ff85.py [--sizes H:N,...] [--skip-peers plain,simpy,c] [--repeat R] [--rounds K]

Every implementation is timed two ways, in the same invocation, alternating (K rounds, best of each):

* simulation only -- the random stream exists before the clock starts, on every side:
  cloudtwin: `simulate_explicit`'s wall_s (state setup + simulation, perf_counter) on the stream
  that `peers/c_reference/gen_stream.py` dumped (cached under --cache-dir, read with numpy; arrival
  times = np.cumsum of the gaps, checked bit-identical to the peers' sequential `now + gap`).
  C reference: `run_c.sh`'s `--stream` run, whose wall_s excludes its fread time.
  plain Python and SimPy: the peer's own `run()` function, imported from where it lies, in a fresh
  interpreter (this script re-run with --replay-peer, which imports only the peer), timed with
  perf_counter like the peer times itself, with its `placement_common.Stream` replaced by one that
  hands out the same file's values (`gap()` / `request()` are the `__next__` of an iterator over
  arrays: no draws, no Python frame, no million-item list for the GC to traverse).
  The same child also times the draws alone (`placement_common.Stream`, `gap()` + `request()` N times,
  as the peers call them) for a cross-check estimate: own wall_s - draw time.
* end to end -- each side makes its stream inside the clock:
  plain Python and SimPy: their own wall_s (their script, unmodified; it covers the random.Random
  draws, state setup and simulation, not the interpreter start, imports or the JSON line).
  C reference: `--mt` wall_s (the same stream by a C port of CPython's MT19937 + glibc log, timed),
  and the `--stream` run's wall_total_s (file read included).
  cloudtwin "drawn": `placement_common.Stream` (the peers' own draw code, imported from its path)
  draws the N arrivals into arrays, then np.cumsum, Arrivals, the whole `simulate_explicit` call.
  cloudtwin "file": reading the cached stream file, np.cumsum, Arrivals, `simulate_explicit`.
  Both streams are checked bit-identical to the file; the results equal the simulation-only run's.

cloudtwin's result must equal the plain-Python peer's and the C reference's (accepted, rejected,
departures, free-core CRC32); every peer run, replayed or not, is checked the same way. cloudtwin's JIT
is warmed up first and its load/compile time reported apart. Skipped by default because they would
run over 10 minutes: SimPy at H >= 100k, plain Python at H >= 1M. Prints a JSON line per size and
two markdown tables.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from array import array
from pathlib import Path

PEERS = Path(__file__).resolve().parents[1].parent / "shared" / "peers"
PEER_SCRIPT = {"plain": "plain_python_placement", "simpy": "simpy_placement"}


def read_stream_arrays(path: Path, hosts: int, n: int, seed: int) -> tuple[float, array, bytes, bytes, array]:
    """gen_stream.py's file as lambda and columns gap, type, zone, life (arrays, which the GC does not scan)."""
    raw = path.read_bytes()
    magic, fn, block, fseed, fhosts, lam = struct.unpack_from("<8sQQqqd", raw)
    if (magic, fn, fseed, fhosts) != (b"VMPSTRM1", n, seed, hosts):
        raise SystemExit(f"{path} is not the stream for H={hosts} N={n} seed={seed}")
    gaps, lives, tz = array("d"), array("d"), bytearray()
    pos, left = 48, n
    while left:
        k = min(block, left)
        gaps.frombytes(raw[pos : pos + 8 * k])
        lives.frombytes(raw[pos + 8 * k : pos + 16 * k])
        tz += raw[pos + 16 * k : pos + 17 * k]
        pos += 17 * k
        left -= k
    return lam, gaps, bytes(b & 3 for b in tz), bytes(b >> 2 for b in tz), lives


def replay_peer(argv: list[str]) -> None:
    """Child process: run a Python peer's own run() on the pre-drawn stream, and time its draws alone.

    Imports only the peer (and what it imports) beside this script's standard-library modules: not numpy,
    numba or cloudtwin, whose objects the peer's garbage collections would otherwise traverse. Prints the
    peer's JSON line (its emit()) with wall_s the replayed run's, plus draw_s and wall_unrounded_s.
    """
    p = argparse.ArgumentParser()
    p.add_argument("peer", choices=sorted(PEER_SCRIPT))
    p.add_argument("--hosts", type=int, required=True)
    p.add_argument("--arrivals", type=int, required=True)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--stream", type=Path, required=True)
    a = p.parse_args(argv)
    sys.path.insert(0, str(PEERS))
    peer = importlib.import_module(PEER_SCRIPT[a.peer])
    common = importlib.import_module("placement_common")
    lam, gaps, types, zones, lives = read_stream_arrays(a.stream, a.hosts, a.arrivals, a.seed)
    if lam != common.arrival_rate(a.hosts):
        raise SystemExit("the stream file's lambda differs from placement_common.arrival_rate")

    # the draws alone, in the peer's order and way (attribute call per draw), with the peer's own Stream
    t0 = time.perf_counter()
    s = common.Stream(a.seed, lam)
    for _ in range(a.arrivals):
        s.gap()
        s.request()
    draw_s = time.perf_counter() - t0

    class Replay:
        """Stands in for placement_common.Stream: the same values, already drawn.

        Like the real one, it makes a new float per gap() and a (type, zone, life) tuple per request(), but
        from arrays, not lists: lists of a million objects would be traversed at every full GC collection.
        """

        def __init__(self, seed: int, lam: float) -> None:
            self.gap = iter(gaps).__next__
            self.request = zip(types, zones, lives).__next__

    peer.Stream = Replay  # run() looks the name up in its module at call time
    gc.collect()
    t0 = time.perf_counter()
    out = peer.run(a.hosts, a.arrivals, a.seed)
    wall = time.perf_counter() - t0
    acc, rej, dep, now, free_cpu, free_mem = out[:6]
    extra = {"stream": "replayed from file (outside wall_s)", "draw_s": draw_s, "wall_unrounded_s": wall}
    common.emit(f"{a.peer}-replay", a.hosts, a.arrivals, a.seed, acc, rej, dep, now, free_cpu, free_mem, wall, extra)


if __name__ == "__main__" and sys.argv[1:2] == ["--replay-peer"]:
    replay_peer(sys.argv[2:])
    raise SystemExit(0)

# after the child's exit above: a replaying peer's interpreter never imports these
import numba  # noqa: E402
import numpy as np  # noqa: E402

from cloudtwin.arrivals import Arrivals  # noqa: E402
from cloudtwin.engine import loop as engine_loop  # noqa: E402
from cloudtwin.engine import simulate_explicit  # noqa: E402

TYPES = np.array([(2, 8), (4, 16), (8, 32), (16, 64)])  # (vCPU, GiB), WORKLOAD.md
DEFAULT_SIZES = "1000:100000,10000:1000000,100000:1000000,1000000:10000000"
# H at and above which a peer would take over 10 minutes on this machine (peers/README.md timings:
# plain 122 s at H=100k N=1M and O(H^2) in N ~ H; SimPy 30.6 s at H=10k, ~3x plain's time)
TOO_SLOW = {"plain": 1_000_000, "simpy": 100_000}
SAME = ("accepted", "rejected", "departures", "state_crc32")


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


def to_arrivals(times: np.ndarray, lives: np.ndarray, tz: np.ndarray) -> Arrivals:
    kind = tz & 3
    return Arrivals.from_columns(
        time_s=times, vcpus=TYPES[kind, 0], memory_mib=TYPES[kind, 1] * 1024, zone=tz >> 2, lifetime_s=lives
    )


def stream_path(hosts: int, n: int, cache: Path) -> Path:
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
    return path


def placement_common():
    """The peers' placement_common module, imported from where it lies."""
    if str(PEERS) not in sys.path:
        sys.path.insert(0, str(PEERS))
    return importlib.import_module("placement_common")


def draw_stream(common, hosts: int, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stream drawn in this process by the peers' own `placement_common.Stream` (as gen_stream.py does)."""
    s = common.Stream(42, common.arrival_rate(hosts))
    gap, request = s.gap, s.request
    gaps, lives, tz = array("d"), array("d"), bytearray()
    put_gap, put_life, put_tz = gaps.append, lives.append, tz.append
    for _ in range(n):
        put_gap(gap())
        t, z, life = request()
        put_tz(t | z << 2)
        put_life(life)
    return np.frombuffer(gaps), np.frombuffer(lives), np.frombuffer(tz, np.uint8)


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


def outcome(result: dict[str, object]) -> dict[str, object]:
    free = result["free_vcpus"].astype(np.uint8).tobytes()  # type: ignore[union-attr]
    return {k: result[k] for k in SAME[:3]} | {"state_crc32": zlib.crc32(free)}


def cloudtwin_e2e_file(hosts: int, path: Path) -> tuple[float, dict[str, object]]:
    """Read the stream file, cumsum, Arrivals, the whole simulate_explicit call."""
    t0 = time.perf_counter()
    gaps, lives, tz = read_stream(path)
    result = simulate_explicit(*fleet(hosts), to_arrivals(np.cumsum(gaps), lives, tz))
    return time.perf_counter() - t0, result


def cloudtwin_e2e_drawn(hosts: int, n: int, path: Path) -> tuple[float, dict[str, object]]:
    """Draw the stream with the peers' Stream, cumsum, Arrivals, the whole simulate_explicit call."""
    common = placement_common()  # imported before the clock starts, as the peers import it
    t0 = time.perf_counter()
    gaps, lives, tz = draw_stream(common, hosts, n)
    result = simulate_explicit(*fleet(hosts), to_arrivals(np.cumsum(gaps), lives, tz))
    wall = time.perf_counter() - t0
    for drawn, read in zip((gaps, lives, tz), read_stream(path)):
        if drawn.tobytes() != read.tobytes():
            raise SystemExit(f"the stream drawn in-process differs from {path}")
    return wall, result


def run_python_peer(name: str, hosts: int, n: int) -> dict[str, object]:
    """The peer's script, unmodified: it draws its own stream inside its wall_s."""
    with tempfile.TemporaryDirectory() as cwd:
        out = subprocess.run(
            [sys.executable, str(PEERS / f"{PEER_SCRIPT[name]}.py"), "--hosts", str(hosts), "--arrivals", str(n)]
            + ["--seed", "42"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_python_replay(name: str, hosts: int, n: int, path: Path) -> dict[str, object]:
    """The peer's run() on the pre-drawn stream, in a fresh interpreter (this script's --replay-peer)."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    with tempfile.TemporaryDirectory() as cwd:
        out = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--replay-peer", name, "--hosts", str(hosts)]
            + ["--arrivals", str(n), "--seed", "42", "--stream", str(path)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_c_peer(hosts: int, n: int, cache: Path) -> tuple[dict[str, object], dict[str, object]]:
    """run_c.sh: the `--stream` run (fread outside wall_s) and the `--mt` run (stream made in C, timed)."""
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, OUT=out, STREAM_DIR=str(cache), PY=sys.executable)
        subprocess.run(
            ["bash", str(PEERS / "c_reference" / "run_c.sh"), f"{hosts} {n}"], env=env, check=True, capture_output=True
        )
        return tuple(json.loads((Path(out) / f"c_segtree{m}_{hosts}_{n}.json").read_text()) for m in ("", "_mt"))


def check(name: str, hosts: int, got: dict[str, object], want: dict[str, object]) -> None:
    if any(got[k] != want[k] for k in SAME):
        raise SystemExit(f"cloudtwin differs from {name} at H={hosts}: {want} vs {got}")


def measure(hosts: int, n: int, skip: set[str], repeat: int, rounds: int, cache: Path) -> dict[str, object]:
    path = stream_path(hosts, n, cache)
    gaps, lives, tz = read_stream(path)
    arrivals = to_arrivals(sequential_times(gaps), lives, tz)
    peers = [p for p in ("c", "plain", "simpy") if p not in skip and hosts < TOO_SLOW.get(p, sys.maxsize)]
    sim, e2e_file, e2e_drawn = [], [], []
    got: dict[str, list[dict[str, object]]] = {p: [] for p in ("c", "c_mt", *(x for p in peers for x in (p, p + "_r")))}
    want: dict[str, object] | None = None
    for _ in range(rounds):  # alternate: cloudtwin (three ways), then each peer (both ways)
        for _ in range(repeat):
            r = simulate_explicit(*fleet(hosts), arrivals)
            want = want or outcome(r)
            check("itself (simulation only)", hosts, outcome(r), want)
            sim.append(r)
        for _ in range(repeat):
            wall, r = cloudtwin_e2e_file(hosts, path)
            check("itself (end to end, file)", hosts, outcome(r), want)
            e2e_file.append(wall)
        for _ in range(repeat):
            wall, r = cloudtwin_e2e_drawn(hosts, n, path)
            check("itself (end to end, drawn)", hosts, outcome(r), want)
            e2e_drawn.append(wall)
        for p in peers:
            if p == "c":
                runs = dict(zip(("c", "c_mt"), run_c_peer(hosts, n, cache)))
            else:
                runs = {p: run_python_peer(p, hosts, n), p + "_r": run_python_replay(p, hosts, n, path)}
            for k, v in runs.items():
                check(f"the {k} peer", hosts, v, want)  # type: ignore[arg-type]
                got[k].append(v)
    ours = min(sim, key=lambda r: r["wall_s"])
    events = int(ours["events"])  # type: ignore[call-overload]
    row: dict[str, object] = {
        "hosts": hosts,
        "arrivals": n,
        **want,  # type: ignore[dict-item]
        "events": events,
        "wall_s": round(ours["wall_s"], 4),  # type: ignore[call-overload]
        "events_per_s": round(ours["events_per_s"]),  # type: ignore[call-overload]
        "wall_s_all": [round(r["wall_s"], 4) for r in sim],  # type: ignore[call-overload]
        "e2e_file_s": round(min(e2e_file), 4),
        "e2e_file_events_per_s": round(events / min(e2e_file)),
        "e2e_drawn_s": round(min(e2e_drawn), 4),
        "e2e_drawn_events_per_s": round(events / min(e2e_drawn)),
    }
    for p in ("plain", "simpy", "c"):
        if p not in peers:
            row[p] = None
        elif p == "c":
            best = max(got["c"], key=lambda v: v["events_per_s"])
            mt = max(got["c_mt"], key=lambda v: v["events_per_s"])
            total = min(v["wall_total_s"] for v in got["c"])  # rounded to 1 ms by the C program
            row[p] = {
                "wall_s": best["wall_s"],
                "events_per_s": best["events_per_s"],
                "wall_total_s": total,
                "total_events_per_s": round(events / total),
                "mt_wall_s": mt["wall_s"],
                "mt_events_per_s": mt["events_per_s"],
                "same_result": True,
            }
        else:
            own = max(got[p], key=lambda v: v["events_per_s"])
            rep = min(got[p + "_r"], key=lambda v: v["wall_unrounded_s"])
            draw = min(v["draw_s"] for v in got[p + "_r"])
            own_s = events / own["events_per_s"]  # unrounded, from the peer's own events_per_s
            row[p] = {
                "wall_s": own["wall_s"],
                "events_per_s": own["events_per_s"],
                "replay_wall_s": round(rep["wall_unrounded_s"], 4),
                "replay_events_per_s": round(events / rep["wall_unrounded_s"]),
                "draw_s": round(draw, 4),
                "est_sim_s": round(own_s - draw, 4),
                "est_sim_events_per_s": round(events / (own_s - draw)),
                "draw_share_of_own_wall": round(draw / own_s, 4),
                "same_result": True,
            }
    return row


def mev(x: object) -> str:
    return f"{x / 1e6:.3g} M"  # type: ignore[operator]


def tables(rows: list[dict[str, object]]) -> str:
    sim = [
        "Simulation only (stream made before the clock starts, every side)\n",
        "| H | N | accepted / rejected | cloudtwin s · ev/s | plain Python (replayed) ev/s · ratio (est.) "
        "| SimPy (replayed) ev/s · ratio (est.) | C `--stream` ev/s · cloudtwin/C |",
        "|---|---|---|---|---|---|---|",
    ]
    e2e = [
        "\nEnd to end (each side makes its stream inside the clock)\n",
        "| H | N | cloudtwin drawn s · ev/s | cloudtwin file s · ev/s | plain Python (own) ev/s · ratio drawn / file "
        "| SimPy (own) ev/s · ratio drawn / file | C `--mt` ev/s · drawn/C | C `--stream` total ev/s · file/C |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ours, drawn, file = r["events_per_s"], r["e2e_drawn_events_per_s"], r["e2e_file_events_per_s"]
        s_cells, e_cells = [], []
        for p in ("plain", "simpy"):
            v = r[p]
            if v is None:
                s_cells.append("skipped")
                e_cells.append("skipped")
                continue
            rep, est, own = v["replay_events_per_s"], v["est_sim_events_per_s"], v["events_per_s"]  # type: ignore[index]
            s_cells.append(f"{mev(rep)} · {ours / rep:.3g}× ({ours / est:.3g}×)")  # type: ignore[operator]
            e_cells.append(f"{mev(own)} · {drawn / own:.3g}× / {file / own:.3g}×")  # type: ignore[operator]
        c = r["c"]
        if c is None:
            s_cells.append("skipped")
            e_cells += ["skipped", "skipped"]
        else:
            s_cells.append(f"{mev(c['events_per_s'])} · {ours / c['events_per_s']:.3g}×")  # type: ignore[index,operator]
            e_cells.append(f"{mev(c['mt_events_per_s'])} · {drawn / c['mt_events_per_s']:.3g}×")  # type: ignore[index,operator]
            e_cells.append(f"{mev(c['total_events_per_s'])} · {file / c['total_events_per_s']:.3g}×")  # type: ignore[index,operator]
        head = f"| {r['hosts']:,} | {r['arrivals']:,} | "
        sim.append(
            head
            + f"{r['accepted']:,} / {r['rejected']:,} | {r['wall_s']:.3f} · {mev(ours)} | "
            + " | ".join(s_cells)
            + " |"
        )
        e2e.append(
            head
            + f"{r['e2e_drawn_s']:.3f} · {mev(drawn)} | {r['e2e_file_s']:.3f} · {mev(file)} | "
            + " | ".join(e_cells)
            + " |"
        )
    return "\n".join(sim + e2e)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default=DEFAULT_SIZES, help="comma-separated H:N pairs")
    p.add_argument("--skip-peers", default="", help="comma-separated subset of plain,simpy,c")
    p.add_argument("--repeat", type=int, default=1, help="cloudtwin runs of each kind per round (best reported)")
    p.add_argument("--rounds", type=int, default=1, help="alternate every implementation this many times (best)")
    p.add_argument("--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "cloudtwin-vmp-streams")
    a = p.parse_args()
    if not PEERS.exists():
        raise SystemExit(f"the peers are not at {PEERS}")
    skip = {s for s in a.skip_peers.split(",") if s}
    if skip - {"plain", "simpy", "c"}:
        raise SystemExit(f"--skip-peers: unknown peer(s) {', '.join(sorted(skip - {'plain', 'simpy', 'c'}))}")
    sizes = [tuple(int(x) for x in pair.split(":")) for pair in a.sizes.split(",")]
    machine = (
        f"{platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
        f"Python {platform.python_version()}, numpy {np.__version__}, numba {numba.__version__}"
    )
    print(json.dumps({"machine": machine, **warm_up()}), flush=True)
    rows = []
    for hosts, n in sizes:
        rows.append(measure(hosts, n, skip, a.repeat, a.rounds, a.cache_dir))
        print(json.dumps(rows[-1]), flush=True)
    print(tables(rows))


if __name__ == "__main__":
    main()
