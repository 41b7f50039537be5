"""Real headless Chromium for tests and benchmarks: launch it, and watch what a page does.

Tests get the ``browser`` / ``page`` fixtures from tests/conftest.py, which call
:func:`launch_chromium`. :class:`PageLog` records every request a page makes and every console
error or uncaught exception, so a test can assert that a page works offline and runs cleanly::

    log = PageLog.attach(page)
    page.goto(path.as_uri())
    log.assert_offline()
    log.assert_no_errors()
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def missing_chromium_message(executable: str = CHROMIUM) -> str | None:
    """Why Chromium cannot be used, or None when it is there."""
    if not Path(executable).exists() and shutil.which(executable) is None:
        return f"headless Chromium is missing ({executable} not found): run `make browser`"
    return None


def launch_chromium(playwright: Any, executable: str = CHROMIUM) -> Any:
    """Launch Debian's Chromium headless through playwright and return the Browser."""
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)


def is_local(url: str) -> bool:
    """True for URLs that do not leave the machine: file:, data:, blob:, about: and 127.0.0.1.

    >>> [is_local(u) for u in ("file:///tmp/a.html", "http://127.0.0.1:8000/", "https://cdn.jsdelivr.net/x.js")]
    [True, True, False]
    """
    parsed = urlparse(url)
    if parsed.scheme in ("file", "data", "blob", "about"):
        return True
    return parsed.scheme in ("http", "https", "ws", "wss") and (parsed.hostname or "") in LOCAL_HOSTS


@dataclass
class PageLog:
    """Requests, console errors, page errors and dialogs seen on one page."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @classmethod
    def attach(cls, page: Any) -> PageLog:
        """Start recording on ``page`` (call before ``page.goto``). Dialogs are recorded and dismissed."""
        log = cls()
        page.on("request", lambda req: log.requests.append(req.url))
        page.on("console", lambda msg: log.console_errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: log.page_errors.append(str(exc)))

        def on_dialog(dialog: Any) -> None:
            log.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        return log

    @property
    def remote_requests(self) -> list[str]:
        return [u for u in self.requests if not is_local(u)]

    def assert_offline(self) -> None:
        """Fail when any request left the machine (a CDN, a font, a tracker)."""
        assert self.requests, "the page made no requests at all; was it loaded?"
        assert not self.remote_requests, f"requests left the machine: {self.remote_requests}"

    def assert_no_errors(self) -> None:
        """Fail on console errors, uncaught exceptions or dialogs (alert/confirm/prompt)."""
        assert not self.console_errors, f"console errors: {self.console_errors}"
        assert not self.page_errors, f"uncaught page errors: {self.page_errors}"
        assert not self.dialogs, f"the page opened dialogs: {self.dialogs}"


def artifact_path(name: str) -> Path:
    """A path under test-artifacts/ (gitignored), its folder created."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
