"""Text encodings of source files: refuse a file that does not decode before anything is loaded."""

from __future__ import annotations

import codecs
from pathlib import Path

from graph.errors import SourceError


def check_encoding(path: Path, encoding: str) -> None:
    """Raise SourceError (suggesting ``--encoding``) unless all of ``path`` decodes as ``encoding``.

    Done before loading anything, so a file is never half loaded because of a bad byte.
    """
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
    except LookupError:
        raise SourceError(f"unknown encoding {encoding!r}; use e.g. --encoding utf-8 or --encoding cp1252") from None
    offset = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                raise SourceError(
                    f"{path}: not valid {encoding} (byte {offset + exc.start}: {chunk[exc.start:exc.start + 1]!r}). "
                    "If the file is Latin-1 or Windows-1252, load it with --encoding cp1252."
                ) from None
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise SourceError(f"{path}: not valid {encoding} (truncated at the end). Try --encoding cp1252.") from None


def text_encoding(encoding: str) -> str:
    """``utf-8`` files may start with a byte-order mark (Excel writes one); read past it.

    >>> text_encoding("UTF8"), text_encoding("cp1252")
    ('utf-8-sig', 'cp1252')
    """
    return "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
