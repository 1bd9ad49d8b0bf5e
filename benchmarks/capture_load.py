"""Capture under load: is a lead scored, qualified, routed and its SLA clock running, inside
the request, fast enough (the product's bar: p99 under 100 ms at sustained load on 2 cores)?

    .venv/bin/python benchmarks/capture_load.py [--requests N] [--concurrency C]
        [--database sqlite|postgres] [--json PATH] [--warmup W] [--rate R] [--rev REV] [--keep]

What one run does (see docs/performance.md for why):
0. with --rev, a clean export of accord/ at that commit, which is what gets served;
1. a fresh ACCORD_HOME in a temp dir (PostgreSQL: drops and creates the bench database),
   `accord migrate`, the organisation (bench_db.py setup: a marketer, two teams with
   territories and reps in six timezones, a key account), `accord token create`;
2. `accord serve --workers 2 --threads 4` (gunicorn) as a subprocess, until /healthz = 200;
3. per scenario, loadgen.py as a separate process, C keep-alive connections spread evenly
   over the gunicorn workers, warm-up first:
   healthz (the floor), capture (POST /api/v1/leads, half the payloads qualify at capture),
   demo_request (POST /api/v1/touchpoints for the captured leads that did not qualify);
4. the table, then what the database says (bench_db.py verify);
5. JSON results to benchmarks/results/capture-<database>.json (+ -latencies.json);
6. the server is stopped (SIGTERM to its process group, then SIGKILL) on every exit path.

Besides latencies it records the CPU seconds the server (and PostgreSQL) spent per request,
read from /proc, and how much CPU the rest of the machine used meanwhile: CPU per request is
far less sensitive to neighbours than latency, and the foreign share says how noisy a run was.
"""

import argparse
import datetime as dt
import io
import json
import math
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/accord_bench"
CLK_TCK = os.sysconf("SC_CLK_TCK")
BAR_P99_MS = 100.0

# --- payloads (deterministic: the same seed sends the same requests) ------------------

FIRST = ["Alex", "Sam", "Maria", "Jonas", "Aiko", "Liam", "Zoe", "Omar", "Ines", "Noah", "Mia", "Ravi", "Eva"]
LAST = ["Smith", "Rossi", "Dubois", "Sato", "Kowalski", "Silva", "Johansson", "Garcia", "Kim", "Novak", "Singh"]
WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Hooli", "Vandelay", "Tyrell", "Wonka", "Aperture"]
SUFFIXES = ["Systems", "Labs", "Group", "Analytics", "Logistics", "Health", "Bank", "Retail", "Works", "Cloud"]
# Qualifying: 500+ employees (15 + 10), target industry (10), VP/Director title (10), phone (5)
# = 50 = the starter definition's MQL threshold; a name, a company and a need are given.
QUALIFYING_TITLES = ["VP Marketing", "VP Sales", "Sales Director", "Director of Operations", "VP Engineering"]
QUALIFYING_INDUSTRIES = ["software", "financial services", "manufacturing", "healthcare"]
QUALIFYING_SIZES = [500, 800, 1500, 5000, 12000]
# Not qualifying: at most 15 (50+) + 10 (software) + 5 (phone) = 30 < 50.
OTHER_TITLES = ["Marketing Manager", "Analyst", "Founder", "IT Manager", "Procurement Lead"]
OTHER_INDUSTRIES = ["retail", "education", "logistics", "software"]
OTHER_SIZES = [5, 12, 30, 60, 120, 250]
# Routed by territory (EMEA, Americas) or, for JP and AU, to the default team.
COUNTRIES = ["DE", "GB", "FR", "ES", "SE", "US", "US", "CA", "BR", "MX", "JP", "AU"]
NEEDS = ["Reps ignore web leads", "Need one funnel view", "Replace spreadsheets", "Faster hand-off"]
SOURCES = ["organic_search", "paid_search", "social", "email", "referral", "events"]


def capture_payloads(total: int, seed: int) -> list[dict]:
    """Request i qualifies at capture iff i is even. Emails are unique (they carry i); some
    use capitals, to go through normalisation; companies repeat, so accounts are shared."""
    rng = random.Random(seed)
    payloads = []
    for i in range(total):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        word, suffix = rng.choice(WORDS), rng.choice(SUFFIXES)
        qualifies = i % 2 == 0
        free_mail = not qualifies and rng.random() < 0.15
        domain = rng.choice(["gmail.com", "outlook.com"]) if free_mail else f"{word}{suffix}.example".lower()
        local = f"{first}.{last}.{i}" if i % 7 == 0 else f"{first}.{last}.{i}".lower()
        payload = {
            "email": f"{local}@{domain}",
            "first_name": first,
            "last_name": last,
            "company": f"{word} {suffix}",
            "country": rng.choice(COUNTRIES),
            "source": rng.choice(SOURCES),
            "consent_email": rng.random() < 0.7,
            "utm_source": "bench",
        }
        if qualifies:
            payload.update(
                title=rng.choice(QUALIFYING_TITLES),
                industry=rng.choice(QUALIFYING_INDUSTRIES),
                company_size=rng.choice(QUALIFYING_SIZES),
                phone=f"+1 555 {i:07d}",
                need=rng.choice(NEEDS),
            )
        else:
            payload.update(
                title=rng.choice(OTHER_TITLES),
                industry=rng.choice(OTHER_INDUSTRIES),
                company_size=rng.choice(OTHER_SIZES),
            )
            if rng.random() < 0.5:
                payload["need"] = rng.choice(NEEDS)
            if rng.random() < 0.5:
                payload["phone"] = f"+44 20 {i:07d}"
        payloads.append(payload)
    return payloads


def demo_request_payloads(emails: list[str]) -> list[dict]:
    return [{"email": email, "type": "demo_request", "channel": "web", "note": "Demo form"} for email in emails]


# --- measuring ------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def latency_summary(latencies: list[float]) -> dict:
    values = sorted(latencies)
    if not values:
        return {}
    return {
        "min": values[0],
        "mean": round(sum(values) / len(values), 3),
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "p99_9": percentile(values, 99.9),
        "max": values[-1],
    }


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads), from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            found.append(int(entry))
    return found


def machine_busy_s() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])
    return (total - idle) / CLK_TCK, total / CLK_TCK


class CpuProbe:
    """CPU seconds of the server's processes and of the database's, plus the whole machine's,
    between two readings.

    PostgreSQL backends come and go during a scenario (Django's CONN_MAX_AGE = 60 replaces
    each thread's connection once a minute), and an exited backend's CPU can no longer be
    read; so while a scenario runs, a thread reads the backends every half second and keeps
    each one's last value."""

    def __init__(self, server_pid: int, db_pids):
        self.server_pid = server_pid
        self.db_pids = db_pids  # callable → list of pids (PostgreSQL backends), or None
        self._seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _read_db(self) -> dict[int, float]:
        if not self.db_pids:
            return {}
        try:
            pids = self.db_pids()
        except Exception:  # the database is busy or restarting: keep what we have
            return {}
        return {pid: cpu for pid in pids if (cpu := process_cpu_s(pid))}

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            self._seen.update(self._read_db())

    def read(self) -> dict:
        server_pids = [self.server_pid, *children_of(self.server_pid)]
        busy, total = machine_busy_s()
        return {
            "server": {pid: process_cpu_s(pid) for pid in server_pids},
            "db": self._read_db(),
            "machine_busy": busy,
            "machine_total": total,
        }

    def start(self) -> dict:
        """Read now, and keep reading the database's backends until stop()."""
        before = self.read()
        self._seen = dict(before["db"])
        if self.db_pids:
            self._stop.clear()
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return before

    def stop(self) -> dict:
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None
        after = self.read()
        after["db"] = {**self._seen, **after["db"]}
        return after

    @staticmethod
    def delta(before: dict, after: dict) -> dict:
        def spent(kind):
            return sum(after[kind].get(pid, 0.0) - before[kind].get(pid, 0.0) for pid in after[kind])

        return {
            "server_s": spent("server"),
            "db_s": spent("db"),
            "machine_busy_s": after["machine_busy"] - before["machine_busy"],
            "machine_capacity_s": after["machine_total"] - before["machine_total"],
        }


# --- processes ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(cmd: list[str], env: dict, what: str, cwd: Path = ROOT) -> str:
    result = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{what} failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return result.stdout


def accord(*args: str) -> list[str]:
    script = BIN / "accord"
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "accord.cli", *args]


def reset_postgres(url: str) -> None:
    import psycopg  # a dependency of accord; only needed for this

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"Refusing to drop database '{name}': its name must contain 'bench'.")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def postgres_pids(url: str):
    """The backends serving the bench database. The shared WAL writer, checkpointer and
    background writer are left out: on a shared machine they also work for other people's
    databases (a test run's CREATE DATABASE forces a checkpoint), which made the number noisy.
    One connection is kept for the asking (a new one per reading would be a new backend)."""
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    name = parts.path.lstrip("/")
    held: list = []

    def pids() -> list[int]:
        if not held or held[0].closed:
            held[:] = [psycopg.connect(admin, autocommit=True)]
        rows = (
            held[0]
            .execute("select pid from pg_stat_activity where datname = %s and pid <> pg_backend_pid()", (name,))
            .fetchall()
        )
        return [row[0] for row in rows]

    return pids


class Server:
    def __init__(self, env: dict, port: int, workers: int, threads: int, log_path: Path, cwd: Path = ROOT):
        self.env, self.port, self.log_path, self.cwd = env, port, log_path, cwd
        self.cmd = accord("serve", "--port", str(port), "--workers", str(workers), "--threads", str(threads))
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        # Its own session and process group: a Ctrl-C in the terminal reaches the runner,
        # which then stops the whole group in order.
        self.process = subprocess.Popen(
            self.cmd, env=self.env, cwd=self.cwd, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"The server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise SystemExit(f"The server did not answer /healthz within {timeout:.0f} s:\n{self.log_tail()}")

    def check(self) -> None:
        """Still running and answering? Something else on a shared machine may have stopped it."""
        if self.process.poll() is not None:
            raise SystemExit(f"The server exited with {self.process.returncode} mid-run:\n{self.log_tail()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=10) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError) as error:
            raise SystemExit(f"The server stopped answering /healthz ({error}):\n{self.log_tail()}") from None
        raise SystemExit(f"/healthz answered {response.status}:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> int | None:
        if self.process is None:
            return None
        code = self.process.poll()
        if code is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)  # gunicorn: graceful shutdown
                code = self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                code = self.process.wait(timeout=5)
            except ProcessLookupError:
                code = self.process.wait(timeout=5)
        self.log.close()
        return code


def connection_owners(port: int, local_ports: list[int]) -> dict[int, str] | None:
    """Which gunicorn worker (pid) holds each of our keep-alive connections, from `ss`: with
    the gthread worker a connection stays with the process that accepted it."""
    if not shutil.which("ss"):
        return None
    out = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True, check=False
    ).stdout
    wanted = {p for p in local_ports if p}
    owners: dict[int, str] = {}
    for line in out.splitlines():
        fields = line.split()
        if len(fields) < 5 or not fields[3].rsplit(":", 1)[-1].isdigit():
            continue
        peer_port = int(fields[3].rsplit(":", 1)[-1])
        if peer_port in wanted:
            owners[peer_port] = line.split("pid=", 1)[1].split(",", 1)[0] if "pid=" in line else "?"
    return owners


def spread_of(owners: dict[int, str] | None) -> dict[str, int] | None:
    if owners is None:
        return None
    counts: dict[str, int] = {}
    for pid in owners.values():
        counts[pid] = counts.get(pid, 0) + 1
    return dict(sorted(counts.items()))


def surplus(owners: dict[int, str], workers: int, connections: int) -> list[int]:
    """Connections to replace so that no worker holds more than ⌈C/W⌉ of them."""
    limit = math.ceil(connections / workers)
    by_pid: dict[str, list[int]] = {}
    for local_port, pid in sorted(owners.items()):
        by_pid.setdefault(pid, []).append(local_port)
    return [p for ports in by_pid.values() for p in ports[limit:]]


# --- one scenario ---------------------------------------------------------------------


def balanced(spread: dict[str, int] | None, workers: int, connections: int) -> bool:
    """As even as the connections allow: every worker holds ⌊C/W⌋ or ⌈C/W⌉ of them."""
    if spread is None:
        return True  # cannot tell without `ss`; take what we got
    counts = list(spread.values()) + [0] * (workers - len(spread))
    return max(counts) - min(counts) <= 1 and sum(counts) == connections


def run_scenario(name: str, plan: dict, workdir: Path, probe: CpuProbe, port: int, *, workers: int, balance: bool):
    plan_path, result_path = workdir / f"plan-{name}.json", workdir / f"result-{name}.json"
    plan_path.write_text(json.dumps(plan))
    cmd = [sys.executable, str(HERE / "loadgen.py"), str(plan_path), str(result_path), "--handshake"]
    generator = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)

    def receive(expected: str) -> dict:
        line = generator.stdout.readline()
        if not line:
            raise SystemExit(f"loadgen for {name} exited ({generator.wait()}) before '{expected}'")
        event = json.loads(line)
        if event.get("event") != expected:
            raise SystemExit(f"loadgen for {name}: expected '{expected}', got {event}")
        return event

    def send(word: str) -> None:
        generator.stdin.write(word + "\n")
        generator.stdin.flush()

    try:
        # gunicorn's gthread worker keeps a keep-alive connection in the process that accepted
        # it, and which process that is, is luck: all 8 connections on one worker is common.
        # Replace the surplus ones until they are spread evenly, so runs compare (see
        # docs/performance.md).
        for attempt in range(1, 61):
            connected = receive("connected")
            owners = connection_owners(port, connected["local_ports"])
            spread = spread_of(owners)
            if not balance or balanced(spread, workers, plan["concurrency"]) or attempt == 60:
                send("ok")
                break
            send("redial " + " ".join(map(str, surplus(owners, workers, plan["concurrency"]))))
        receive("warmed")
        before = probe.start()
        send("go")
        try:
            code = generator.wait(timeout=plan["deadline_s"] + 120)
        finally:
            after = probe.stop()
    finally:
        if generator.poll() is None:
            generator.kill()
            generator.wait()
    if code != 0:
        raise SystemExit(f"loadgen for {name} failed with exit code {code}")
    result = json.loads(result_path.read_text())
    measured = result["measured"]
    cpu = CpuProbe.delta(before, after)
    n = measured["requests"]
    own = cpu["server_s"] + cpu["db_s"] + measured["loadgen_cpu_s"]
    statuses: dict[str, int] = {}
    for status in measured["statuses"]:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "name": name,
        "method": plan["method"],
        "path": plan["path"],
        "requests": n,
        "warmup": result["warmup"]["requests"],
        "warmup_errors": result["warmup"]["errors"],
        "concurrency": plan["concurrency"],
        "mode": f"open loop, {plan['rate']} req/s" if plan.get("rate") else "closed loop",
        "errors": measured["errors"],
        "error_kinds": measured["error_kinds"],
        "statuses": statuses,
        "stopped_early": measured["stopped_early"],
        "reconnects": measured["reconnects"],
        "wall_s": round(measured["wall_s"], 3),
        "throughput_rps": round(n / measured["wall_s"], 1) if measured["wall_s"] else None,
        "latency_ms": latency_summary(measured["latencies_ms"]),
        "cpu": {
            "server_ms_per_request": round(cpu["server_s"] / n * 1000, 3) if n else None,
            # SQLite runs inside the server processes: its CPU is in server_ms_per_request.
            "db_ms_per_request": round(cpu["db_s"] / n * 1000, 3) if n and probe.db_pids else None,
            "loadgen_ms_per_request": round(measured["loadgen_cpu_s"] / n * 1000, 3) if n else None,
            "server_s": round(cpu["server_s"], 3),
            "db_s": round(cpu["db_s"], 3),
            "loadgen_s": round(measured["loadgen_cpu_s"], 3),
            "machine_busy_s": round(cpu["machine_busy_s"], 3),
            "machine_capacity_s": round(cpu["machine_capacity_s"], 3),
            # CPU used meanwhile by everything else on the machine (other people's tests…),
            # as a share of the machine: 0 on a quiet machine.
            "foreign_share": round(max(0.0, cpu["machine_busy_s"] - own) / cpu["machine_capacity_s"], 3)
            if cpu["machine_capacity_s"]
            else None,
        },
        "connections_per_worker": spread,
        "connections_balanced": balanced(spread, workers, plan["concurrency"]),
        "dials": result["dials"],
        "_latencies_ms": measured["latencies_ms"],
        "_inspected": measured.get("inspected"),
    }


# --- the run --------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000, help="measured requests per scenario (default 3000)")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive clients (default 8)")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", default=DEFAULT_PG_URL, help="PostgreSQL only; its name must contain 'bench'")
    parser.add_argument("--json", type=Path, help="results file (default benchmarks/results/capture-<database>.json)")
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests first (default 200)")
    parser.add_argument("--rate", type=float, help="open loop at this many req/s instead of closed loop")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-touchpoints", action="store_true", help="skip the demo_request scenario")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--deadline", type=float, default=300, help="seconds per scenario before it stops sending")
    parser.add_argument(
        "--no-balance", action="store_true", help="keep the first, possibly uneven, connections-to-workers spread"
    )
    parser.add_argument(
        "--rev", help="benchmark a clean export of this commit (e.g. HEAD) instead of the working tree's accord/"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, server log)")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1 or args.warmup < 0:
        parser.error("--requests and --concurrency must be positive, --warmup not negative")
    return args


def machine_info() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kb = 0
    return {
        "cpu_count": os.cpu_count(),
        "cpu_affinity": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
    }


def git(*args: str) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    except OSError:
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def export_revision(rev: str, target: Path) -> str:
    """A clean copy of accord/ at `rev` (git archive), so that what is measured is a commit,
    not whatever is being edited in the working tree at the time."""
    commit = git("rev-parse", "--verify", f"{rev}^{{commit}}")
    if not commit:
        raise SystemExit(f"--rev {rev}: not a commit of this repository")
    archive = subprocess.run(["git", "archive", "--format=tar", commit, "accord"], cwd=ROOT, capture_output=True)
    if archive.returncode != 0:
        raise SystemExit(f"git archive {commit} failed: {archive.stderr.decode(errors='replace')}")
    target.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return commit


def code_version(rev_commit: str | None) -> dict:
    """The commit measured, and whether the application code differed from it: uncommitted
    edits under accord/ are measured too (unless --rev), and make a run hard to reproduce."""
    if rev_commit:
        return {"commit": rev_commit, "source": "git archive (clean export)", "accord_changes": []}
    return {
        "commit": git("rev-parse", "HEAD") or None,
        "source": "working tree",
        "accord_changes": git("status", "--porcelain", "accord").splitlines(),
    }


def check_database(checks: dict, capture: dict | None, demo: dict | None) -> list[str]:
    """Correctness, not speed: every failure is a bug in the capture path (or the bench)."""
    failures = []

    def expect(condition: bool, text: str) -> None:
        if not condition:
            failures.append(text)

    expect(checks["emails_with_more_than_one_lead"] == 0, "an email has more than one lead")
    expect(checks["emails_missing"] == 0, f"{checks['emails_missing']} sent emails have no lead")
    expect(checks["leads_total"] == checks["emails_sent"], "lead count differs from emails sent")
    expect(
        checks["qualifying_routed_at_capture"] == checks["qualifying_payloads"],
        "not every qualifying capture is an MQL with owner, team and one running SLA clock",
    )
    expect(
        checks["non_qualifying_still_unqualified"] == checks["non_qualifying_not_demo_requested"],
        "a lead that should not qualify did",
    )
    expect(checks["demo_requested_routed"] == checks["demo_requested"], "not every demo request routed its lead")
    expect(
        checks["mql_total"] == checks["mql_with_owner_team_and_running_clock"] == checks["running_clocks"],
        "MQLs, routed MQLs and running clocks differ",
    )
    expect(checks["running_clocks_due_after_start"] == checks["running_clocks"], "a clock is due before it started")
    expect(checks["leads_assigned_more_than_once"] == 0, "a lead was assigned more than once")
    tasks = checks["tasks_enqueued"]
    expect(tasks.get("accord.routing.tasks.sla_check", 0) == checks["running_clocks"], "SLA checks ≠ clocks")
    expect(
        tasks.get("accord.notifications.tasks.notification_email", 0) == checks["notifications"],
        "notification emails enqueued ≠ notifications",
    )
    for scenario in (capture, demo):
        if scenario and scenario["errors"]:
            failures.append(f"{scenario['name']}: {scenario['errors']} failed requests")
        if scenario and scenario["stopped_early"]:
            failures.append(f"{scenario['name']}: stopped at --deadline, so not every email was sent")
    return failures


def response_checks(scenario: dict, qualifies: list[bool]) -> dict:
    """What the answers themselves said: the routing happened before the response."""
    inspected = scenario.get("_inspected") or []
    routed = [bool(x) and x[0] == "mql" and x[1] and x[2] for x in inspected]
    return {
        "answers": len(inspected),
        "expected_routed": sum(qualifies[: len(inspected)]),
        "answered_mql_with_owner_and_sla_due": sum(routed),
        "mismatches": sum(1 for r, q in zip(routed, qualifies, strict=False) if r != q),
    }


def fmt(value, digits=1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.{digits}f}"


def print_table(scenarios: list[dict]) -> None:
    header = (
        f"{'scenario':14} {'requests':>8} {'conc':>4} {'errors':>6} {'req/s':>7} "
        f"{'p50':>7} {'p90':>7} {'p99':>7} {'max':>7}   {'srv CPU':>7} {'db CPU':>6} {'foreign':>7}"
    )
    print(header)
    units = f"{'(ms)':>7} " * 4
    print(f"{'':14} {'':>8} {'':>4} {'':>6} {'':>7} {units}  {'ms/req':>7} {'ms/req':>6} {'share':>7}")
    print("-" * len(header))
    for s in scenarios:
        lat, cpu = s["latency_ms"], s["cpu"]
        print(
            f"{s['name']:14} {s['requests']:>8} {s['concurrency']:>4} {s['errors']:>6} {fmt(s['throughput_rps']):>7} "
            f"{fmt(lat.get('p50')):>7} {fmt(lat.get('p90')):>7} {fmt(lat.get('p99')):>7} {fmt(lat.get('max')):>7}   "
            f"{fmt(cpu['server_ms_per_request'], 2):>7} {fmt(cpu['db_ms_per_request'], 2):>6} "
            f"{fmt(cpu['foreign_share'] * 100, 0) + '%':>7}"
        )


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.time()
    workdir = Path(tempfile.mkdtemp(prefix=f"accord-bench-{args.database}-"))
    home = workdir / "home"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ACCORD_", "DATABASE_URL", "DJANGO_"))}
    env.update(ACCORD_HOME=str(home), ACCORD_LOG_LEVEL="WARNING", PYTHONUNBUFFERED="1")
    if args.database == "postgres":
        env["DATABASE_URL"] = args.database_url
    out = args.json or HERE / "results" / f"capture-{args.database}.json"
    server: Server | None = None
    completed = interrupted = False

    def on_sigterm(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        print(f"Preparing a fresh {args.database} database in {workdir} …", flush=True)
        code_dir, rev_commit = ROOT, None
        if args.rev:
            # Imports come from the export: PYTHONPATH goes before the editable install, and
            # every subprocess runs there (gunicorn puts its working directory first on sys.path).
            code_dir = workdir / "src"
            rev_commit = export_revision(args.rev, code_dir)
            env["PYTHONPATH"] = str(code_dir)
            print(f"Measuring commit {rev_commit[:12]} (clean export).", flush=True)
        code = code_version(rev_commit)
        if code["accord_changes"]:
            print(
                f"Note: measuring uncommitted changes under accord/ ({len(code['accord_changes'])} files); "
                "--rev HEAD measures the last commit instead.",
                flush=True,
            )
        if args.database == "postgres":
            reset_postgres(args.database_url)
        helper = [sys.executable, str(HERE / "bench_db.py")]
        run(accord("migrate"), env, "accord migrate", code_dir)
        org = json.loads(run([*helper, "setup"], env, "organisation setup", code_dir))
        token = run(accord("token", "create", "--user", org["marketer"], "--name", "benchmark"), env, "token", code_dir)
        token = token.strip()
        software = json.loads(run([*helper, "info"], env, "versions", code_dir))

        port = args.port or free_port()
        server = Server(env, port, args.workers, args.threads, workdir / "server.log", code_dir)
        server.start()
        db_pids = postgres_pids(args.database_url) if args.database == "postgres" else None
        probe = CpuProbe(server.process.pid, db_pids)
        print(f"Server up on 127.0.0.1:{port} (gunicorn {args.workers} workers × {args.threads} threads).", flush=True)
        load_before = os.getloadavg()

        auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        base = {
            "host": "127.0.0.1",
            "port": port,
            "concurrency": args.concurrency,
            "rate": args.rate,
            "timeout_s": 30,
            "deadline_s": args.deadline,
        }
        total = args.warmup + args.requests
        captures = capture_payloads(total, args.seed)
        qualifies = [i % 2 == 0 for i in range(total)]
        not_qualifying = [p["email"] for p, q in zip(captures, qualifies, strict=True) if not q]
        demo_warmup = args.warmup // 2
        demo_emails = [] if args.no_touchpoints else not_qualifying[: demo_warmup + args.requests // 2]

        # (name, warm-up requests, plan); a plan's first `warm-up` requests are not timed.
        plans = [
            (
                "healthz",
                args.warmup,
                {"method": "GET", "path": "/healthz", "bodies": None, "count": total, "expect_status": [200]},
            ),
            (
                "capture",
                args.warmup,
                {
                    "method": "POST",
                    "path": "/api/v1/leads",
                    "headers": auth,
                    "bodies": [json.dumps(p) for p in captures],
                    "expect_status": [201],
                    "inspect": "lead",
                },
            ),
        ]
        if demo_emails:
            plans.append(
                (
                    "demo_request",
                    demo_warmup,
                    {
                        "method": "POST",
                        "path": "/api/v1/touchpoints",
                        "headers": auth,
                        "bodies": [json.dumps(p) for p in demo_request_payloads(demo_emails)],
                        "expect_status": [201],
                        "inspect": "lead",
                    },
                ),
            )
        scenarios = []
        for name, warmup, plan in plans:
            server.check()
            measured = (len(plan["bodies"]) if plan["bodies"] is not None else plan["count"]) - warmup
            print(f"  {name}: {warmup} warm-up + {measured} measured requests, concurrency {args.concurrency} …")
            sys.stdout.flush()
            scenarios.append(
                run_scenario(
                    name,
                    {**base, **plan, "scenario": name, "warmup": warmup},
                    workdir,
                    probe,
                    port,
                    workers=args.workers,
                    balance=not args.no_balance,
                )
            )
        load_after = os.getloadavg()

        by_name = {s["name"]: s for s in scenarios}
        answers = {"capture": response_checks(by_name["capture"], qualifies[args.warmup :])}
        # Routing's share of the latency: the same endpoint, with and without a hand-off.
        capture_latencies = by_name["capture"]["_latencies_ms"]
        by_name["capture"]["latency_ms_by_payload"] = {
            kind: latency_summary(
                [x for x, q in zip(capture_latencies, qualifies[args.warmup :], strict=False) if q == want]
            )
            for kind, want in (("qualifying_routed", True), ("not_qualifying", False))
        }
        if "demo_request" in by_name:
            answers["demo_request"] = response_checks(by_name["demo_request"], [True] * len(demo_emails))

        emails_path = workdir / "emails.json"
        emails_path.write_text(
            json.dumps(
                {
                    "qualifying": [p["email"] for p, q in zip(captures, qualifies, strict=True) if q],
                    "other": not_qualifying,
                    "demo_requested": demo_emails,
                }
            )
        )
        # Stop the server before reading the database: every request has been answered, and
        # nothing can still be writing.
        server_exit = server.stop()
        server = None
        checks = json.loads(run([*helper, "verify", str(emails_path)], env, "verify", code_dir))
        failures = check_database(checks, by_name.get("capture"), by_name.get("demo_request"))
        for name, answer in answers.items():
            if answer["mismatches"]:
                failures.append(f"{name}: {answer['mismatches']} answers did not say what routing did")

        print()
        print_table(scenarios)
        spreads = ", ".join(
            f"{s['name']} {'/'.join(map(str, (s['connections_per_worker'] or {}).values())) or '?'} "
            f"({s['dials']} round{'s' if s['dials'] > 1 else ''} of dialling"
            f"{'' if s['connections_balanced'] else ', STILL UNEVEN'})"
            for s in scenarios
        )
        print(f"Keep-alive connections per gunicorn worker: {spreads}.")
        split = by_name["capture"]["latency_ms_by_payload"]
        print(
            "Capture p50 / p99 (ms): qualifying, routed "
            f"{fmt(split['qualifying_routed'].get('p50'))} / {fmt(split['qualifying_routed'].get('p99'))}; "
            f"not qualifying {fmt(split['not_qualifying'].get('p50'))} / {fmt(split['not_qualifying'].get('p99'))}."
        )
        print()
        capture = by_name["capture"]["latency_ms"]
        print(
            f"Bar (p99 < {BAR_P99_MS:.0f} ms for capture at concurrency {args.concurrency}): "
            f"p99 = {capture['p99']:.1f} ms → {'met' if capture['p99'] < BAR_P99_MS else 'NOT met'} on this run."
        )
        c = checks
        print(
            f"Database after the run: {c['leads_total']} leads for {c['emails_sent']} emails, "
            f"{c['emails_with_more_than_one_lead']} emails with two leads; "
            f"{c['mql_with_owner_team_and_running_clock']} of {c['mql_total']} MQLs have an owner, a team and "
            f"a running SLA clock ({c['qualifying_routed_at_capture']}/{c['qualifying_payloads']} qualifying "
            f"captures routed at capture, {c['demo_requested_routed']}/{c['demo_requested']} by demo request)."
        )
        print(f"Assignments by rule: {checks['assignments_by_rule']}; clocks by rep: {checks['running_clocks_by_rep']}")
        print(f"Load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f} (2 cores = 2.00 is full).")
        print("Correctness: " + ("all checks passed." if not failures else "FAILED: " + "; ".join(failures)))

        latencies = {s["name"]: s.pop("_latencies_ms") for s in scenarios}
        for s in scenarios:
            s.pop("_inspected", None)
        results = {
            "benchmark": "capture_load",
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "duration_s": round(time.time() - started, 1),
            "machine": {**machine_info(), "loadavg_before": load_before, "loadavg_after": load_after},
            "software": software,
            "code": code,
            "parameters": {
                "database": args.database,
                "requests": args.requests,
                "warmup": args.warmup,
                "concurrency": args.concurrency,
                "mode": f"open loop {args.rate} req/s" if args.rate else "closed loop",
                "server": f"accord serve --workers {args.workers} --threads {args.threads} (gunicorn gthread)",
                "seed": args.seed,
                "connections": "balanced across workers (redialled)" if not args.no_balance else "as accepted",
                "touchpoints": not args.no_touchpoints,
                "percentiles": "nearest rank over every measured request",
            },
            "organisation": org,
            "scenarios": scenarios,
            "bar": {"p99_ms": BAR_P99_MS, "capture_p99_ms": capture["p99"], "met": capture["p99"] < BAR_P99_MS},
            "answers": answers,
            "database_checks": checks,
            "correctness_failures": failures,
            "server_exit_code": server_exit,
        }
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=2, default=str) + "\n")
        latencies_path = out.with_name(out.stem + "-latencies.json")
        latencies_path.write_text(json.dumps(latencies, separators=(",", ":")) + "\n")
        print(f"Results: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out} (+ {latencies_path.name})")
        completed = True
        return 1 if failures else 0
    except KeyboardInterrupt:
        interrupted = True
        print("\nInterrupted; stopping the server.", file=sys.stderr)
        return 130
    finally:
        if server is not None:
            if not (completed or interrupted) and server.process is not None:
                state = "running" if server.process.poll() is None else f"exited {server.process.returncode}"
                print(f"Server ({state}); last lines of {server.log_path}:\n{server.log_tail()}", file=sys.stderr)
            server.stop()
        if args.keep or not (completed or interrupted):
            print(f"Kept {workdir} (database, server.log, plans)", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
