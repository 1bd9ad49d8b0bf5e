"""HTTP/1.1 load generator for the Accord benchmarks: standard library only, one process,
one asyncio loop, C keep-alive connections, each a client that sends its next request as
soon as its previous answer is in (closed loop), or at a fixed arrival rate (open loop).

    python benchmarks/loadgen.py PLAN.json RESULT.json [--handshake]

PLAN.json:
    host, port            where to send (the benchmark only ever targets 127.0.0.1)
    method, path, headers the request; Content-Length and keep-alive are added here
    bodies                list of request bodies (strings), one request each; or null and
    count                 the number of (body-less) requests
    warmup                how many of the first requests are warm-up: sent, checked, not timed
    concurrency           connections = clients
    rate                  null for closed loop; else requests per second (open loop), latency
                          then counts from the scheduled start, so queueing is not hidden
    timeout_s, deadline_s per request, and for the whole measured phase
    expect_status         list of statuses that count as success
    inspect               "lead": read stage/owner/sla_due_at from each JSON answer (after
                          its latency is taken) so the caller can check what the answer said

Every connection first sends one GET /healthz, so that a server process has accepted it.
With --handshake the generator then prints {"event": "connected", "local_ports": [...]}
and reads "ok" or "redial PORT …" (replace those connections) from stdin, so the caller
can see which server process holds which connection and even them out; after the warm-up it prints
{"event": "warmed", ...} and waits for "go", so the caller can take its CPU readings
exactly at the boundary between warm-up and measurement.

RESULT.json holds every measured latency in milliseconds, in request order.

Why not httpx or aiohttp: the generator shares the machine's two cores with the server,
so it should spend as little CPU per request as possible; a hand-rolled client that only
speaks what gunicorn answers (Content-Length or chunked bodies, keep-alive) costs a
fraction of a general-purpose one. It refuses anything that is not loopback.
"""

import asyncio
import ipaddress
import json
import socket
import sys
import time


class HttpError(Exception):
    pass


class Connection:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.opened = 0

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        sock = self.writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.opened += 1

    def local_port(self) -> int | None:
        if self.writer is None:
            return None
        return self.writer.get_extra_info("sockname")[1]

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def exchange(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        self.writer.write(raw)
        reader = self.reader
        status_line = await reader.readline()
        if not status_line:
            raise HttpError("connection closed by the server")
        try:
            status = int(status_line.split(b" ", 2)[1])
        except (IndexError, ValueError):
            raise HttpError(f"bad status line {status_line[:60]!r}") from None
        length, chunked, close = None, False, False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value.strip())
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = value.strip().lower() == b"close"
        if chunked:
            parts = []
            while True:
                size = int((await reader.readline()).split(b";")[0].strip(), 16)
                if size == 0:
                    while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            body = b"".join(parts)
        elif length is not None:
            body = await reader.readexactly(length)
        else:
            body, close = await reader.read(), True
        if close:
            self.close()
        return status, body


def build_requests(plan: dict) -> list[bytes]:
    host = f"{plan['host']}:{plan['port']}"
    head = f"{plan['method']} {plan['path']} HTTP/1.1\r\nHost: {host}\r\nConnection: keep-alive\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in plan.get("headers", {}).items())
    if plan.get("bodies") is None:
        return [(head + "\r\n").encode()] * plan["count"]
    requests = []
    for body in plan["bodies"]:
        data = body.encode()
        requests.append((head + f"Content-Length: {len(data)}\r\n\r\n").encode() + data)
    return requests


def inspect_lead(body: bytes) -> list:
    try:
        data = json.loads(body)
    except ValueError:
        return [None, False, False]
    return [data.get("stage"), data.get("owner") is not None, data.get("sla_due_at") is not None]


async def run_phase(
    plan: dict, connections: list[Connection], requests: list[bytes], *, timed: bool, rate: float | None
) -> dict:
    """Send `requests` over the connections; record per request (index order) the latency,
    the status (0 = transport error) and, if asked, what the answer said."""
    n = len(requests)
    latencies = [0.0] * n
    statuses = [0] * n
    inspected: list = [None] * n
    errors: dict[str, int] = {}
    expect = set(plan["expect_status"])
    timeout = plan.get("timeout_s", 30)
    deadline = time.monotonic() + plan.get("deadline_s", 600)
    next_index = 0
    sent = 0
    phase_start = time.perf_counter()

    def error(kind: str) -> None:
        errors[kind] = errors.get(kind, 0) + 1

    async def client(connection: Connection) -> None:
        nonlocal next_index, sent
        while next_index < n and time.monotonic() < deadline:
            i = next_index
            next_index += 1
            if rate:
                scheduled = phase_start + i / rate
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                start = scheduled
            else:
                start = time.perf_counter()
            sent += 1
            try:
                status, body = await asyncio.wait_for(connection.exchange(requests[i]), timeout)
            except (TimeoutError, OSError, HttpError, asyncio.IncompleteReadError, ValueError) as exc:
                latencies[i] = (time.perf_counter() - start) * 1000
                connection.close()
                error(f"{type(exc).__name__}: {exc}"[:120])
                continue
            latencies[i] = (time.perf_counter() - start) * 1000
            statuses[i] = status
            if status not in expect:
                error(f"HTTP {status}: {body[:200].decode(errors='replace')}")
            if plan.get("inspect") == "lead":
                inspected[i] = inspect_lead(body)

    cpu_start = time.process_time()
    await asyncio.gather(*(client(c) for c in connections))
    wall = time.perf_counter() - phase_start
    cpu = time.process_time() - cpu_start
    result = {
        "requests": sent,
        "wall_s": wall,
        "loadgen_cpu_s": cpu,
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "stopped_early": sent < n,
    }
    if timed:
        result["latencies_ms"] = [round(x, 3) for x in latencies[:sent]]
        result["statuses"] = statuses[:sent]
        if plan.get("inspect"):
            result["inspected"] = inspected[:sent]
    return result


async def probe(connections: list[Connection], host: str, port: int) -> None:
    """One GET /healthz per connection, so each has been accepted by a server process."""
    raw = f"GET /healthz HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: keep-alive\r\n\r\n".encode()
    await asyncio.gather(*(c.exchange(raw) for c in connections))


async def ask(event: dict) -> str:
    """Tell the caller where we are (one JSON line on stdout); read its answer from stdin."""
    print(json.dumps(event), flush=True)
    return (await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)).strip()


async def main_async(plan: dict, handshake: bool) -> dict:
    requests = build_requests(plan)
    warmup = min(plan.get("warmup", 0), len(requests))
    host, port = plan["host"], plan["port"]
    connections = [Connection(host, port) for _ in range(plan["concurrency"])]
    await asyncio.gather(*(c.open() for c in connections))
    await probe(connections, host, port)
    dials = 1
    while handshake:
        answer = (await ask({"event": "connected", "local_ports": [c.local_port() for c in connections]})).split()
        if answer == ["ok"]:
            break
        if not answer or answer[0] != "redial":
            raise SystemExit(f"loadgen: unexpected answer {answer!r}; stopping")
        # Replace the named connections one at a time: a burst of new connections tends to
        # be accepted by whichever server process happens to be awake, all of them.
        dials += 1
        ports = set(answer[1:])
        for c in connections:
            if str(c.local_port()) in ports:
                c.close()
                c.opened = 0
                await c.open()
                await probe([c], host, port)
    warm = await run_phase(plan, connections, requests[:warmup], timed=False, rate=None)
    if handshake and await ask({"event": "warmed", "warmup": warm}) != "go":
        raise SystemExit("loadgen: no 'go' from the caller; stopping")
    measured = await run_phase(plan, connections, requests[warmup:], timed=True, rate=plan.get("rate"))
    measured["reconnects"] = sum(c.opened - 1 for c in connections)
    for c in connections:
        c.close()
    return {"dials": dials, "warmup": warm, "measured": measured}


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        raise SystemExit(__doc__)
    with open(args[0]) as handle:
        plan = json.load(handle)
    if not ipaddress.ip_address(socket.gethostbyname(plan["host"])).is_loopback:
        raise SystemExit("loadgen: only loopback targets are allowed")
    result = asyncio.run(main_async(plan, "--handshake" in sys.argv))
    result["scenario"] = plan.get("scenario")
    with open(args[1], "w") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
