"""A real SPARQL 1.1 protocol endpoint on 127.0.0.1 over pyoxigraph, with fault injection.

Tests (and bench/bench_harvest.py) start it on a free port, load it with the Wikibase-shaped
fixture and harvest it through SPARQLWrapper over real HTTP. Faults are keyed by request number
(1-based, counting every query request the server receives), so a test can break exactly the
fourth page and check that the harvester retries, stops with a clear error, or resumes:

- ``"500"``: HTTP 500 with a short text body;
- ``"429"``: HTTP 429 with ``Retry-After`` (seconds, ``Fault.retry_after``);
- ``"drop"``: the connection is closed without a response;
- ``"slow"``: the response is sent after ``Fault.delay`` seconds (a client timeout fires first);
- ``"malformed"``: HTTP 200 with truncated JSON;
- ``"endless"``: HTTP 200 whose body never ends (no Content-Length; JSON-looking bytes as fast as
  the client takes them, until it hangs up or ``Fault.limit`` bytes were sent);
- ``"drip"``: HTTP 200 with the right Content-Length, one byte of the body every ``Fault.delay``
  seconds (each socket read succeeds, so only a total deadline ends it);
- ``"body"``: HTTP 200 with ``Fault.body`` as the answer (a hostile or broken endpoint's JSON).

>>> import pyoxigraph as ox
>>> with SparqlServer(ox.Store()) as server:
...     server.url.startswith("http://127.0.0.1:")
True
"""

from __future__ import annotations

import hashlib
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pyoxigraph as ox


@dataclass(frozen=True)
class Fault:
    """What to do instead of answering one request."""

    kind: str  # "500", "429", "drop", "slow", "malformed", "endless", "drip", "body"
    retry_after: float = 1
    delay: float = 2.0
    limit: int = 1 << 34  # "endless": stop after this many bytes (a safety net; clients hang up first)
    body: bytes = b""  # "body": the answer to send


@dataclass(frozen=True)
class Request:
    """One query request as the server saw it."""

    number: int
    query_hash: str
    status: int | str  # HTTP status or the fault kind when no status was sent


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
        return

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        params = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        self._answer(params.get("query", [None])[0])

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8")
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype == "application/sparql-query":
            self._answer(body)
        else:
            self._answer(urllib.parse.parse_qs(body).get("query", [None])[0])

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _answer(self, query: str | None) -> None:
        if not query:
            self._send(400, b"missing query parameter", "text/plain")
            return
        owner = self.server.owner
        number, fault = owner._next(query)
        qhash = hashlib.sha256(query.encode()).hexdigest()[:16]
        if fault is not None:
            owner._record(Request(number, qhash, fault.kind))
            if fault.kind == "500":
                self._send(500, b"injected internal error", "text/plain")
            elif fault.kind == "429":
                self._send(429, b"slow down", "text/plain", {"Retry-After": f"{fault.retry_after:g}"})
            elif fault.kind == "drop":
                self.close_connection = True
                self.connection.close()
            elif fault.kind == "slow":
                time.sleep(fault.delay)
                self._evaluate(query, number, qhash, record=False)
            elif fault.kind == "malformed":
                body = owner.evaluate(query)
                self._send(200, body[: max(1, len(body) // 2)], "application/sparql-results+json")
            elif fault.kind == "endless":
                self._endless(fault.limit)
            elif fault.kind == "drip":
                self._drip(owner.evaluate(query), fault.delay)
            elif fault.kind == "body":
                self._send(200, fault.body, "application/sparql-results+json")
            else:
                raise ValueError(f"unknown fault kind {fault.kind!r}")
            return
        self._evaluate(query, number, qhash)

    def _endless(self, limit: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        chunk = b'{"x": {"type": "literal", "value": "endless"}},' * 1024
        sent = 0
        try:
            self.wfile.write(b'{"head": {"vars": ["x"]}, "results": {"bindings": [')
            while sent < limit and not self.server.owner.stopping.is_set():
                self.wfile.write(chunk)
                sent += len(chunk)
        except OSError:
            pass  # the client hung up, as it should

    def _drip(self, body: bytes, delay: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.close_connection = True
        try:
            for i in range(len(body)):
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                if self.server.owner.stopping.wait(delay):
                    return
        except OSError:
            pass

    def _evaluate(self, query: str, number: int, qhash: str, record: bool = True) -> None:
        try:
            body = self.server.owner.evaluate(query)
        except SyntaxError as exc:
            if record:
                self.server.owner._record(Request(number, qhash, 400))
            self._send(400, f"query syntax error: {exc}".encode(), "text/plain")
            return
        if record:
            self.server.owner._record(Request(number, qhash, 200))
        self._send(200, body, "application/sparql-results+json")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: SparqlServer


class SparqlServer:
    """A SPARQL 1.1 protocol server (GET and POST, JSON results) over a pyoxigraph store."""

    def __init__(self, store: ox.Store, host: str = "127.0.0.1", port: int = 0) -> None:
        self.store = store
        self._httpd = _Server((host, port), _Handler)
        self._httpd.owner = self
        self._lock = threading.Lock()
        self._count = 0
        self.stopping = threading.Event()  # set by stop(): endless and dripping answers end
        self.faults: dict[int, Fault] = {}
        self.requests: list[Request] = []
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="sparql-endpoint", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/sparql"

    def start(self) -> SparqlServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> SparqlServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self, faults: dict[int, Fault] | None = None) -> None:
        """Forget the request log, restart numbering at 1 and arm ``faults``."""
        with self._lock:
            self._count = 0
            self.requests = []
            self.faults = dict(faults or {})

    def evaluate(self, query: str) -> bytes:
        results = self.store.query(query)
        if not isinstance(results, ox.QuerySolutions):
            raise SyntaxError("only SELECT queries are served")
        return results.serialize(format=ox.QueryResultsFormat.JSON)

    def _next(self, query: str) -> tuple[int, Fault | None]:
        with self._lock:
            self._count += 1
            return self._count, self.faults.get(self._count)

    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    @property
    def answered(self) -> int:
        """Requests answered with results (HTTP 200 and valid JSON)."""
        with self._lock:
            return sum(1 for r in self.requests if r.status == 200)


def load_store(ntriples: str | bytes) -> ox.Store:
    """An in-memory pyoxigraph store holding ``ntriples``."""
    store = ox.Store()
    data = ntriples.encode("utf-8") if isinstance(ntriples, str) else ntriples
    store.bulk_load(data, format=ox.RdfFormat.N_TRIPLES)
    return store
