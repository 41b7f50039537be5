"""Shared test fixtures: the real embedded store, the real data, the EU KG test endpoint, real Neo4j."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from graph.store.embedded import EmbeddedStore, open_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "eukg"))

import build_fixture as bf  # noqa: E402
from sparql_endpoint import SparqlServer, load_store  # noqa: E402

SHARED_DATA = Path(os.environ.get("STAKENET_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture
def embedded_store(tmp_path: Path):
    """A fresh embedded store in a temporary file, schema created."""
    conn = open_database(tmp_path / "test.db")
    store = EmbeddedStore(conn)
    store.ensure_schema()
    yield store
    conn.close()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data; a test that needs it fails (never skips) when it is missing."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real data folder {SHARED_DATA} is missing; set STAKENET_SHARED_DATA or restore ../shared/data")
    return SHARED_DATA


@pytest.fixture(scope="session")
def browser():
    """Real headless Chromium (Debian's /usr/bin/chromium) driven by playwright, one per session.

    Fails (never skips) with what to do when Chromium or playwright is missing. Pair it with
    ``browser.PageLog`` (tests/browser.py) to check requests and console errors.
    """
    from browser import launch_chromium, missing_chromium_message

    problem = missing_chromium_message()
    if problem:
        pytest.fail(problem)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the python package playwright is missing: run `make install` (it is in the dev extra)")
    with sync_playwright() as pw:
        chromium = launch_chromium(pw)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page (own context: no shared cache or storage) in the session's headless Chromium."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


# -- real Neo4j (`make neo4j` starts it; NEO4J_TEST_URI names it) --------------------------------
NEO4J_HINT = "run `make neo4j` (it starts the real Neo4j test server) and set NEO4J_TEST_URI=bolt://127.0.0.1:7687"


@pytest.fixture(scope="session")
def neo4j_driver():
    """The official driver connected to the real Neo4j test server; FAILS (never skips) without one."""
    from graph.errors import StoreError
    from graph.store.neo4j import connect

    uri = os.environ.get("NEO4J_TEST_URI")
    if not uri:
        pytest.fail(f"NEO4J_TEST_URI is not set: {NEO4J_HINT}")
    try:
        driver = connect(uri)
    except StoreError as exc:
        pytest.fail(f"{exc} For tests: {NEO4J_HINT}")
    yield driver
    driver.close()


@pytest.fixture
def neo4j_store(neo4j_driver):
    """A Neo4jStore on a cleared database (all nodes deleted, constraints kept), schema ensured.

    The test server has one database, shared by every test process on this machine: a file lock
    held for the test keeps two test runs from clearing each other's data.
    """
    import fcntl
    import tempfile

    from graph.store.neo4j import Neo4jStore

    lock_path = Path(tempfile.gettempdir()) / f"stakenet-neo4j-{os.environ['NEO4J_TEST_URI'].rsplit(':', 1)[-1]}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        store = Neo4jStore(neo4j_driver)
        store.clear()
        store.ensure_schema()
        yield store


# -- the EU Knowledge Graph test endpoint (test_eukg*.py) ----------------------------------------
@pytest.fixture(scope="module")
def fixture_data() -> bf.Fixture:
    """The EU KG fixture's projects, organisations and facts, built from Python data."""
    return bf.build()


@pytest.fixture(scope="module")
def endpoint_server(fixture_data: bf.Fixture):
    """A real SPARQL endpoint (pyoxigraph behind HTTP) serving tests/fixtures/eukg/eukg.nt."""
    text = bf.NT_PATH.read_text(encoding="utf-8")
    assert text == "\n".join(bf.ntriples(fixture_data)) + "\n", (
        "tests/fixtures/eukg/eukg.nt is stale: run .venv/bin/python tests/fixtures/eukg/build_fixture.py"
    )
    with SparqlServer(load_store(text)) as server:
        yield server


@pytest.fixture
def server(endpoint_server: SparqlServer) -> SparqlServer:
    """The endpoint with its faults and request log reset."""
    endpoint_server.reset()
    return endpoint_server
