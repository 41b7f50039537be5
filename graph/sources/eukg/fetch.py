"""EU Knowledge Graph over HTTP: the one place the network is touched, with retries, backoff and a page cache.

``fetch`` sends one request (SPARQLWrapper, JSON results, POST) and classifies its errors as
transient (retry) or not; ``fetch_page`` retries it with exponential backoff and full jitter
(honouring ``Retry-After``), a bounded number of attempts, then a SourceError; every answer is
kept on disk (``PageCache``) keyed by endpoint + query, so a rerun replays cached pages without
requests and an interrupted harvest resumes at the first missing page.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import os
import random
import socket
import time
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, EndPointNotFound, QueryBadFormed, Unauthorized

from graph import __version__
from graph.errors import SourceError, TransientSourceError
from graph.text import redact_url, redact_urls

log = logging.getLogger(__name__)

USER_AGENT = f"stakenet/{__version__} (EU Knowledge Graph harvester; +https://github.com/stakenet)"


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _read_bounded(response: Any, shown: str, *, timeout: float, deadline: float, max_bytes: int, started: float) -> bytearray:
    """The body of ``response``, read in pieces: SourceError past ``max_bytes``, timeout past ``deadline``."""
    length = response.headers.get("Content-Length") if getattr(response, "headers", None) is not None else None
    if length and length.strip().isdigit() and int(length) > max_bytes:
        raise SourceError(
            f"{shown} announces an answer of {int(length):,} bytes, over the limit of {max_bytes:,} "
            "(--max-response-mb); lower --page-size or raise --max-response-mb"
        )
    body = bytearray()  # grown in place: no second copy of a large answer at the end
    size = 0
    read = getattr(response, "read1", None) or response.read
    while True:
        if time.monotonic() - started > deadline:
            raise TransientSourceError(
                f"{shown} was still sending after {deadline:g} s (--deadline; {size:,} bytes so far)"
            )
        piece = read(1 << 16)  # returns what has arrived; each read waits at most --timeout
        if not piece:
            break
        size += len(piece)
        if size > max_bytes:
            raise SourceError(
                f"{shown} sent more than {max_bytes:,} bytes for one answer (--max-response-mb); "
                "lower --page-size or raise --max-response-mb"
            )
        body += piece
    return body


def fetch(endpoint: str, query: str, *, timeout: float = 120.0, deadline: float | None = None,
          max_bytes: int | None = None) -> bytes | bytearray:
    """POST ``query`` to ``endpoint`` once and return the raw JSON bytes (the only network access).

    ``timeout`` bounds each wait on the socket, ``deadline`` the whole request (a server that
    drips a byte at a time never trips a per-read timeout), ``max_bytes`` the answer's size (a
    server that never stops sending would exhaust memory). Raises TransientSourceError for what a
    retry may cure and SourceError for what it cannot (a rejected query, an unknown endpoint, an
    answer over the size limit). Messages show the endpoint with its secrets redacted.
    """
    shown = redact_url(endpoint)
    deadline = deadline if deadline is not None else RetryPolicy.deadline
    max_bytes = max_bytes if max_bytes is not None else RetryPolicy.max_bytes
    started = time.monotonic()
    client = SPARQLWrapper(endpoint, agent=USER_AGENT)
    client.setQuery(query)
    client.setReturnFormat(JSON)
    client.setMethod(POST)
    client.setTimeout(min(timeout, deadline))  # type: ignore[arg-type]  # urllib takes float seconds
    try:
        response = client.query().response
        try:
            body = _read_bounded(response, shown, timeout=timeout, deadline=deadline, max_bytes=max_bytes,
                                 started=started)
        finally:
            response.close()
    except urllib.error.HTTPError as exc:
        if exc.code == 429 or exc.code >= 500:
            raise TransientSourceError(f"HTTP {exc.code} from {shown}", _retry_after(exc.headers)) from exc
        raise SourceError(f"{shown} refused the query with HTTP {exc.code} {exc.reason}") from exc
    except EndPointInternalError as exc:
        raise TransientSourceError(f"HTTP 500 from {shown}") from exc
    except QueryBadFormed as exc:
        raise SourceError(
            f"{shown} rejected the query as malformed (HTTP 400): {str(exc).splitlines()[-1][:300]}"
        ) from exc
    except EndPointNotFound as exc:
        raise SourceError(f"no SPARQL endpoint at {shown} (HTTP 404); check --endpoint") from exc
    except Unauthorized as exc:
        raise SourceError(f"{shown} refused access (HTTP 401/403); check --endpoint or try later") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, (TimeoutError, socket.timeout)):
            raise TransientSourceError(f"timed out after {timeout:g} s waiting for {shown}") from exc
        raise TransientSourceError(f"cannot reach {shown}: {redact_urls(str(exc.reason))}") from exc
    except TimeoutError as exc:
        raise TransientSourceError(f"timed out after {timeout:g} s waiting for {shown}") from exc
    except (ConnectionError, http.client.HTTPException, OSError) as exc:
        raise TransientSourceError(f"connection to {shown} failed: {exc.__class__.__name__} {redact_urls(str(exc))}") from exc
    return body


def decode_result(body: bytes | bytearray, what: str) -> dict[str, Any]:
    """The SPARQL JSON result in ``body``; TransientSourceError when it is not one (truncated, HTML).

    >>> decode_result(b'{"head": {"vars": []}, "results": {"bindings": []}}', "page 1")["results"]
    {'bindings': []}
    """
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TransientSourceError(f"{what}: the endpoint sent malformed JSON ({exc})") from exc
    except RecursionError:
        raise TransientSourceError(f"{what}: the endpoint sent JSON nested too deeply to read") from None
    except ValueError as exc:  # e.g. an integer over Python's digit limit
        raise TransientSourceError(f"{what}: the endpoint sent unreadable JSON ({str(exc)[:200]})") from None
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, dict) or not isinstance(results.get("bindings"), list):
        raise TransientSourceError(f"{what}: the endpoint's JSON is not a SPARQL SELECT result")
    problem = binding_problem(results["bindings"])
    if problem:
        raise TransientSourceError(f"{what}: the endpoint's JSON is not a SPARQL SELECT result: {problem}")
    return data


def binding_problem(bindings: list[Any]) -> str | None:
    """What is wrong with the first malformed row of SPARQL JSON ``bindings``, or None.

    Each row must be an object mapping variables to objects whose ``value`` is a string.

    >>> binding_problem([{"item": {"type": "uri", "value": "x"}}]) is None
    True
    >>> binding_problem(["x"]), binding_problem([{"item": {"value": 7}}]), binding_problem([{"v": {"type": "uri"}}])
    ('row 1 is a str, not an object', "row 1: ?item's value is a int, not a string", "row 1: ?v has no 'value'")
    """
    for n, row in enumerate(bindings, start=1):
        if not isinstance(row, dict):
            return f"row {n} is a {type(row).__name__}, not an object"
        for var, term in row.items():
            if not isinstance(term, dict):
                return f"row {n}: ?{var} is a {type(term).__name__}, not an object"
            if "value" not in term:
                return f"row {n}: ?{var} has no 'value'"
            if not isinstance(term["value"], str):
                return f"row {n}: ?{var}'s value is a {type(term['value']).__name__}, not a string"
    return None


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and full jitter; ``Retry-After`` is honoured.

    >>> policy = RetryPolicy(base=1.0, cap=8.0)
    >>> all(0 <= policy.delay(n, None, random.Random(1)) <= min(8.0, 2 ** n) for n in range(6))
    True
    >>> policy.delay(0, 3.0, random.Random(1)) >= 3.0
    True
    """

    attempts: int = 6
    base: float = 1.0
    cap: float = 60.0
    max_retry_after: float = 600.0
    timeout: float = 120.0  # seconds per wait on the socket
    deadline: float = 600.0  # seconds per request, all of it (--deadline)
    max_bytes: int = 512 << 20  # bytes per answer (--max-response-mb)

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        backoff = rng.uniform(0, min(self.cap, self.base * 2**attempt))
        if retry_after is not None:
            return retry_after + backoff * 0.1
        return backoff


class PageCache:
    """Raw page answers on disk, one file per (endpoint, query), written atomically."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.dir = Path(directory)
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SourceError(f"cannot create the cache folder {self.dir}: {exc.strerror}") from exc

    @staticmethod
    def key(endpoint: str, query: str) -> str:
        return hashlib.sha256(f"{endpoint}\n{query}".encode()).hexdigest()

    def path(self, endpoint: str, query: str) -> Path:
        return self.dir / f"{self.key(endpoint, query)}.json"

    def get(self, endpoint: str, query: str) -> bytes | None:
        path = self.path(endpoint, query)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None

    def put(self, endpoint: str, query: str, body: bytes | bytearray) -> None:
        path = self.path(endpoint, query)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(body)
        os.replace(tmp, path)
        path.with_suffix(".rq").write_text(f"# endpoint: {redact_url(endpoint)}\n{query}", encoding="utf-8")


@dataclass
class FetchStats:
    """What the harvest asked of the network."""

    requests: int = 0
    retries: int = 0
    cached_pages: int = 0
    fetched_pages: int = 0


def fetch_page(
    endpoint: str,
    query: str,
    what: str,
    *,
    retry: RetryPolicy,
    cache: PageCache | None = None,
    stats: FetchStats | None = None,
    rng: random.Random | None = None,
    sleep: Callable[[float], None] = time.sleep,
    fetcher: Callable[..., bytes | bytearray] = fetch,
) -> dict[str, Any]:
    """The decoded result of ``query``: from the cache, else fetched with retries and then cached."""
    stats = stats if stats is not None else FetchStats()
    if cache is not None:
        body = cache.get(endpoint, query)
        if body is not None:
            stats.cached_pages += 1
            try:
                return decode_result(body, what)
            except TransientSourceError as exc:
                raise SourceError(
                    f"{what}: cached file {cache.path(endpoint, query)} is damaged ({exc}); delete it and rerun"
                ) from exc
    rng = rng or random.Random()
    last: TransientSourceError | None = None
    for attempt in range(max(1, retry.attempts)):
        if attempt:
            wait = retry.delay(attempt - 1, last.retry_after if last else None, rng)
            if last is not None and last.retry_after is not None and last.retry_after > retry.max_retry_after:
                raise SourceError(
                    f"{what}: {redact_url(endpoint)} asks to wait {last.retry_after:.0f} s (Retry-After); "
                    "rerun later, the pages fetched so far are cached"
                )
            stats.retries += 1
            log.info("%s: %s; retry %d in %.2f s", what, last, attempt, wait)
            sleep(wait)
        stats.requests += 1
        try:
            answer = fetcher(endpoint, query, timeout=retry.timeout, deadline=retry.deadline, max_bytes=retry.max_bytes)
            result = decode_result(answer, what)
        except TransientSourceError as exc:
            last = exc
            continue
        if cache is not None:
            cache.put(endpoint, query, answer)
        stats.fetched_pages += 1
        return result
    resume = " Rerun with the same --cache to resume where it stopped." if cache is not None else (
        " Use --cache DIR so a rerun resumes where it stopped."
    )
    raise SourceError(f"{what}: gave up after {retry.attempts} attempts: {last}.{resume}")
