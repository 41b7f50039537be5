"""Text encodings of source files: refuse a file that does not decode before anything is loaded.

A byte-order mark names the encoding of a file outright (Excel and Windows tools write UTF-16 or
UTF-8 with one), so it wins over ``--encoding``; UTF-16 without a mark is recognised by its NUL
bytes and named, instead of being blamed on cp1252.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from graph.errors import SourceError

# Longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32 BE"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with a byte-order mark"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16 BE"),
)
_WIDE = ("utf-16", "utf-32")


def bom_encoding(head: bytes) -> tuple[str, str] | None:
    """``(codec, description)`` of the byte-order mark ``head`` starts with, or None.

    >>> bom_encoding(b"\\xff\\xfeA\\x00"), bom_encoding(b"\\xef\\xbb\\xbfA"), bom_encoding(b"A,B")
    (('utf-16', 'UTF-16 LE'), ('utf-8-sig', 'UTF-8 with a byte-order mark'), None)
    """
    for mark, codec, what in BOMS:
        if head.startswith(mark):
            return codec, what
    return None


def unmarked_utf16(head: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when ``head`` looks like UTF-16 text without a byte-order mark.

    Text in UTF-16 has a NUL in every other byte for Latin letters, digits and punctuation.

    >>> unmarked_utf16("År,Namn\\r\\n".encode("utf-16-le")), unmarked_utf16(b"Ar,Namn"), unmarked_utf16(b"")
    ('utf-16-le', None, None)
    """
    sample = head[: 4096 - 4096 % 2]
    if len(sample) < 4:
        return None
    odd = sum(1 for b in sample[1::2] if b == 0)
    even = sum(1 for b in sample[0::2] if b == 0)
    half = len(sample) // 2
    if odd >= 0.6 * half and even < 0.1 * half:
        return "utf-16-le"
    if even >= 0.6 * half and odd < 0.1 * half:
        return "utf-16-be"
    return None


def file_encoding(path: Path, encoding: str) -> str:
    """The codec to read ``path`` with: the one its byte-order mark names, else ``encoding``.

    Raises SourceError for an unknown ``encoding`` and for UTF-16 without a mark read as a
    narrow encoding (it would decode into NUL-riddled nonsense or fail with a misleading byte).
    """
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise SourceError(f"unknown encoding {encoding!r}; use e.g. --encoding utf-8 or --encoding cp1252") from None
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    marked = bom_encoding(head)
    if marked is not None:
        return marked[0]
    wide = unmarked_utf16(head)
    if wide and not name.startswith(_WIDE):
        raise SourceError(
            f"{path}: the file is {wide.upper().replace('-LE', ' LE').replace('-BE', ' BE')} text without a "
            f"byte-order mark, not {encoding}; load it with --encoding {wide}"
        )
    return encoding


def check_encoding(path: Path, encoding: str) -> str:
    """Raise SourceError (naming the byte and the fix) unless all of ``path`` decodes; return the codec to use.

    The codec is ``encoding``, or what the file's byte-order mark says it is (``file_encoding``).
    Done before loading anything, so a file is never half loaded because of a bad byte.
    """
    codec = file_encoding(path, encoding)
    decoder = codecs.getincrementaldecoder(codec)()
    offset = 0
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                hint = ("If the file is Latin-1 or Windows-1252, load it with --encoding cp1252."
                        if codecs.lookup(codec).name in ("utf-8", "utf-8-sig") else
                        "Is it in another encoding? Give it with --encoding.")
                raise SourceError(
                    f"{path}: not valid {codec} (byte {offset + exc.start}: {chunk[exc.start:exc.start + 1]!r}). {hint}"
                ) from None
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise SourceError(f"{path}: not valid {codec} (truncated at the end). Try --encoding cp1252.") from None
    return codec


def text_encoding(encoding: str) -> str:
    """``utf-8`` files may start with a byte-order mark (Excel writes one); read past it.

    >>> text_encoding("UTF8"), text_encoding("cp1252")
    ('utf-8-sig', 'cp1252')
    """
    return "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
