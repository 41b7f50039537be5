"""What an embedded database path is before the engine touches it, and what the engine's failures mean.

The engine writes a header onto whatever it is given (a block device, /dev/null), creates an
empty database at a mistyped path, and explains a damaged or read-only file as "retry later".
These checks run first, so such a path is refused with a one-line error and nothing is written.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graph.errors import SchemaError, StoreError

# The files the engine keeps next to the database, and the marker stakenet keeps while it writes.
COMPANION_SUFFIXES = (".wal", ".shadow", ".tmp", ".open")


def companions(path: Path) -> list[Path]:
    """The database file and the files that belong to it (write-ahead log, stakenet's open marker)."""
    return [path, *(path.with_name(path.name + suffix) for suffix in COMPANION_SUFFIXES)]


def open_marker(path: Path) -> Path:
    """The file that exists while stakenet has ``path`` open for writing (left behind by a crash)."""
    return path.with_name(path.name + ".open")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISFIFO, "a named pipe (fifo)"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def check_db_path(path: Path, *, create: bool) -> None:
    """Refuse ``path`` unless it is a regular database file, or a new path and ``create`` is allowed.

    Raises StoreError (nothing is created or written) for a directory, a device, a fifo, a
    socket, a text file, or, when ``create`` is false, a path that does not exist.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise StoreError(f"--db {path} is a link to nothing. Give the database file itself.") from None
        if not create:
            raise StoreError(
                f"--db {path} does not exist. Check the path, or create the database with "
                "`stakenet load`, `stakenet harvest` or `stakenet demo`."
            ) from None
        return
    except OSError as exc:
        raise StoreError(f"cannot look at --db {path}: {exc.strerror}") from exc
    if stat.S_ISDIR(st.st_mode):
        raise StoreError(
            f"--db {path} is a directory; the embedded store keeps its database in one file. "
            f"Give a file path such as {path / 'stakenet.db'}."
        )
    if not stat.S_ISREG(st.st_mode):
        raise StoreError(f"--db {path} is {_kind(st.st_mode)}, not a database file. Give the path of a database file.")
    for other in companions(path)[1:]:
        if other.exists() and not other.is_file():
            raise StoreError(f"{other} (next to --db {path}) is not a regular file. Move it away.")
    if st.st_size == 0:
        if not create:
            raise StoreError(f"--db {path} is an empty file, not a database. Load data into it first.")
        return
    with path.open("rb") as fh:
        head = fh.read(4096)
    # A LadybugDB file starts with binary pages; a text file (CSV, JSON, ...) is a user mistake.
    if head and b"\x00" not in head:
        raise StoreError(f"--db {path} is a file that is not a stakenet database. Give another path, or move the file away.")


def open_failure(path: Path, message: str, *, read_only: bool) -> str:
    """A one-line explanation of the engine's refusal to open ``path``, with what to do."""
    # The engine's advice for a file shorter than its catalogue says is wrong for a file at rest.
    message = " ".join(message.replace("The database may be checkpointing; please retry later.", "").split())
    if not read_only and path.exists() and not _writable(path):
        return (f"the embedded database {path} is read-only (no write permission, or a read-only disk); "
                "commands that read it (report, view, query) work, this one needs to write it.")
    if "lock" in message.lower():
        return (f"the embedded database {path} is in use by another stakenet (or program) that writes to it. "
                "Wait for it to finish, then run the command again.")
    if path.exists() and path.stat().st_size > 0:
        # A file that passed check_db_path and that the engine cannot read: damaged (or another engine's).
        return (f"the embedded database {path} is damaged or not a LadybugDB database ({message[:300]}). "
                "Restore it from a copy, or load the source files again into a new --db.")
    return f"cannot create the embedded database at {path}: {message[:300]}"


def _writable(path: Path) -> bool:
    """Whether ``path`` can be written: permission bits, and (since root ignores those) a read-only mount."""
    if not os.access(path, os.W_OK):
        return False
    try:
        return not (os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return True


@contextmanager
def batch_transaction(
    conn: Any, number: int, rollback: Callable[[], None], name_fault: Callable[[], None] | None = None
) -> Iterator[None]:
    """One load batch in one transaction: committed whole, or rolled back and reported as one StoreError.

    A SchemaError names the batch (after ``name_fault``, which may raise a sharper error naming the
    record at fault); an engine error says what it means for the database (:func:`batch_failure`).
    """
    conn.execute("BEGIN TRANSACTION")
    try:
        yield
        conn.execute("COMMIT")
    except SchemaError as exc:
        rollback()
        if name_fault is not None:
            name_fault()
        raise StoreError(f"batch {number}: {exc}") from exc
    except RuntimeError as exc:
        rollback()
        raise StoreError(batch_failure(number, str(exc))) from exc
    except BaseException:
        rollback()
        raise


def batch_failure(number: int, message: str) -> str:
    """What a batch's failure means for the database, and what to do, in one line."""
    message = " ".join(message.split())
    full = "No space left" in message or "Disk quota" in message
    reason = "the disk is full" if full else message[:300]
    if "post-commit checkpoint failed" in message:
        # The engine committed to its log but could not write the database file; after a reopen
        # the batch is either wholly there or wholly absent (observed: absent), never in part.
        return (f"batch {number} could not be saved to the database file ({reason}); earlier batches are saved, and "
                f"batch {number} is either wholly in the database or not at all. "
                f"{'Free disk space, then r' if full else 'R'}un `stakenet check` and rerun the load to complete it "
                "(loads are repeatable).")
    hint = ""
    if "allocate memory" in message or "Buffer manager" in message:
        hint = " The embedded database ran out of its memory cache: free memory, or load on a machine with more."
    if full:
        hint = " Free disk space first."
    return (f"batch {number} was not written, nothing of it is in the database (earlier batches are): "
            f"{reason}.{hint} Rerun the load to complete it.")
