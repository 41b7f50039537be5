"""Text safe to print: control characters from data escaped, secrets in URLs redacted.

Everything stakenet prints (summaries, errors, warnings) goes through ``safe_text``: names and
values from source files or endpoints may hold terminal escape sequences (``ESC [ 2 J`` clears
the screen, OSC 52 writes the clipboard), and a URL given on the command line may carry a
password or a token. Neither may reach a terminal or a log as is.

>>> safe_text("Acme\\x1b[2J AB")
'Acme\\\\x1b[2J AB'
>>> safe_text("cannot reach neo4j://neo4j:s3cret@db.example:7687 (refused)")
'cannot reach neo4j://neo4j:***@db.example:7687 (refused)'
"""

from __future__ import annotations

import re
import urllib.parse

# C0 controls except tab and newline, DEL, C1 controls, and the Unicode bidirectional overrides
# and isolates that make text display in another order than it is stored ("Trojan Source").
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")

# Query parameters whose values are secrets (compared case-insensitively, - and _ ignored).
SECRET_PARAMS = frozenset({
    "token", "accesstoken", "authtoken", "apitoken", "key", "apikey", "password", "passwd", "pwd",
    "secret", "clientsecret", "auth", "authorization", "sig", "signature", "credential", "credentials",
})
REDACTED = "***"
_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>]+")


def escape_controls(text: str) -> str:
    """Control characters as visible escapes (``\\x1b``, ``\\u202e``); tab and newline are kept.

    >>> escape_controls("a\\tb\\x00c\\u202ed\\r")
    'a\\tb\\\\x00c\\\\u202ed\\\\r'
    """
    def visible(m: re.Match[str]) -> str:
        ch = m.group()
        if ch == "\r":
            return "\\r"
        return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"

    return _CONTROL.sub(visible, text)


def _secret(name: str) -> bool:
    return name.replace("-", "").replace("_", "").casefold() in SECRET_PARAMS


def redact_url(url: str) -> str:
    """``url`` with the password of its userinfo and the values of secret query parameters replaced.

    >>> redact_url("https://user:pw@example.org/sparql?token=abc&x=1")
    'https://user:***@example.org/sparql?token=***&x=1'
    >>> redact_url("bolt://127.0.0.1:7687"), redact_url("http://tok@h/s?api_key=k")
    ('bolt://127.0.0.1:7687', 'http://***@h/s?api_key=***')
    """
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return re.sub(r"//[^/@]*@", f"//{REDACTED}@", url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        # user:password keeps the user name; a lone userinfo is a token (https://TOKEN@host/).
        netloc = (f"{userinfo.split(':', 1)[0]}:{REDACTED}" if ":" in userinfo else REDACTED) + "@" + host
    query = parts.query
    if query:
        pieces = []
        for piece in query.split("&"):
            name, eq, _value = piece.partition("=")
            pieces.append(f"{name}={REDACTED}" if eq and _secret(urllib.parse.unquote_plus(name)) else piece)
        query = "&".join(pieces)
    fragment = parts.fragment
    if fragment and "=" in fragment and any(_secret(p.partition("=")[0]) for p in fragment.split("&")):
        fragment = REDACTED
    if (netloc, query, fragment) == (parts.netloc, parts.query, parts.fragment):
        return url
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, fragment))


def redact_urls(text: str) -> str:
    """Every URL in ``text`` redacted (``redact_url``).

    >>> redact_urls("HTTP 500 from http://x:y@h/s?key=1; retrying")
    'HTTP 500 from http://x:***@h/s?key=***; retrying'
    """
    def one(m: re.Match[str]) -> str:
        url = m.group()
        tail = len(url) - len(url.rstrip(".,;:)]}"))  # sentence punctuation after a URL is not part of it
        return redact_url(url[: len(url) - tail]) + url[len(url) - tail:]

    return _URL.sub(one, text)


def safe_text(text: object) -> str:
    """``text`` fit to print: URLs redacted, control characters escaped."""
    return escape_controls(redact_urls(str(text)))
