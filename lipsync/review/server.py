"""The review page's local web server.

Safe by construction rather than by filtering: it listens on 127.0.0.1, every request must
carry the random token as the first part of its path (``/TOKEN/...``, so the page's relative
links carry it too), the Host header must name this server and an Origin header, when sent,
this page (no DNS rebinding, no other site's scripts). It serves a fixed list of routes: the
page's own files, the sheet's state, its audio, its mouth drawings, its rhythmo band; nothing is looked up by a
path taken from the request. Saving writes only the sheet and its exports.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import secrets
import socket
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import unquote, urlsplit

from ..errors import LipsyncError, OptionError
from .session import ChangedOnDiskError, ReviewSession

log = logging.getLogger(__name__)

#: How many ports after the asked one are tried when it is in use.
PORT_TRIES = 50

_STATIC_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                 ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".txt": "text/plain; charset=utf-8"}
_SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
                               "style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'",
}
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_MAX_BODY = 64 * 1024 * 1024
_MAX_CHUNK = 4 * 1024 * 1024


def static_files() -> dict[str, bytes]:
    """The page's own files by their path under ``static/`` (read once)."""
    root = resources.files("lipsync.review") / "static"
    files: dict[str, bytes] = {}

    def walk(folder: Any, prefix: str) -> None:
        for entry in folder.iterdir():
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
            else:
                files[prefix + entry.name] = entry.read_bytes()

    walk(root, "")
    return files


class ReviewServer(ThreadingHTTPServer):
    """The HTTP server of one review session: ``url`` is the page's address with its token."""

    daemon_threads = True

    def __init__(self, session: ReviewSession, host: str = "127.0.0.1", port: int = 8765) -> None:
        self.session = session
        self.token = secrets.token_urlsafe(24)
        self.files = static_files()
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        for candidate in range(port, port + PORT_TRIES):
            try:
                super().__init__((host, candidate), _Handler)
                break
            except OSError as error:
                if error.errno not in (98, 48, 10048):  # address in use (Linux, macOS, Windows)
                    raise OptionError(f"cannot listen on {host}:{candidate}: {error.strerror}",
                                      "pass another --host or --port") from None
        else:
            raise OptionError(f"ports {port}-{port + PORT_TRIES - 1} are all in use", "pass --port N")
        self.port = self.server_address[1]
        names = host_names(host)
        self.hosts = {f"{name}:{self.port}" for name in names}
        self.url = f"http://{names[0]}:{self.port}/{self.token}/"


#: Addresses that only this machine can reach.
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def host_names(host: str) -> list[str]:
    """The names a browser may put in the Host header to reach ``host``, the one to print first.

    >>> host_names("127.0.0.1")
    ['127.0.0.1', 'localhost']
    """
    def bracket(name: str) -> str:
        return f"[{name}]" if ":" in name else name

    if host not in ("0.0.0.0", "::", ""):
        names = [bracket(host)]
    else:  # every interface: this machine's names and addresses
        machine = socket.gethostname()
        try:
            addresses = socket.gethostbyname_ex(machine)[2]
        except OSError:
            addresses = []
        names = [machine, socket.getfqdn(), *addresses]
    if host in LOOPBACK or host in ("0.0.0.0", "::", ""):
        names += ["127.0.0.1", "localhost", "[::1]"] if host == "::1" else ["127.0.0.1", "localhost"]
    return list(dict.fromkeys(names))


class _Handler(BaseHTTPRequestHandler):
    server: ReviewServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug("review: " + format, *args)

    # ------------------------------------------------------------------ checks

    def _route(self) -> str | None:
        """The path after the token, or None (after answering) when the request is refused."""
        host = self.headers.get("Host", "")
        if host not in self.server.hosts:
            self._fail(HTTPStatus.FORBIDDEN, "unknown Host")
            return None
        origin = self.headers.get("Origin")
        if origin is not None and origin not in {f"http://{h}" for h in self.server.hosts}:
            self._fail(HTTPStatus.FORBIDDEN, "foreign Origin")
            return None
        if self.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            self._fail(HTTPStatus.FORBIDDEN, "cross-site request")
            return None
        path = urlsplit(self.path).path
        token, slash, rest = path.lstrip("/").partition("/")
        if not hmac.compare_digest(token.encode(), self.server.token.encode()):
            self._fail(HTTPStatus.FORBIDDEN, "token required: open the address lipsync review printed")
            return None
        if not slash:  # the page's relative links need the trailing slash
            self._send(HTTPStatus.MOVED_PERMANENTLY, b"", "text/plain", {"Location": f"/{token}/"})
            return None
        return unquote(rest)

    # ------------------------------------------------------------------ answers

    def _send(self, status: HTTPStatus, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in {**_SECURITY_HEADERS, **(extra or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, data: Any, status: HTTPStatus = HTTPStatus.OK) -> None:
        self._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json")

    def _fail(self, status: HTTPStatus, message: str, hint: str | None = None) -> None:
        self._json({"error": message, "hint": hint}, status)

    # ------------------------------------------------------------------ GET

    def do_HEAD(self) -> None:  # noqa: N802 - the base class's name
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        route = self._route()
        if route is None:
            return
        session = self.server.session
        if route == "":
            self._static("index.html")
        elif route.startswith("static/"):
            self._static(route[len("static/"):])
        elif route == "api/state":
            self._json(session.state())
        elif route == "api/peaks":
            self._json(session.peaks())
        elif route == "api/rhythmo":
            self._json({"band": session.band})
        elif route == "media":
            self._media()
        elif route.startswith("mouth/") and route[len("mouth/"):].isdigit():
            self._mouth(int(route[len("mouth/"):]))
        else:
            self._fail(HTTPStatus.NOT_FOUND, "not found")

    def _static(self, name: str) -> None:
        body = self.server.files.get(name)
        suffix = name[name.rfind("."):] if "." in name else ""
        if body is None or suffix not in _STATIC_TYPES:
            self._fail(HTTPStatus.NOT_FOUND, "not found")
            return
        self._send(HTTPStatus.OK, body, _STATIC_TYPES[suffix])

    def _mouth(self, index: int) -> None:
        try:
            body, content_type = self.server.session.mouth(index)
        except KeyError:
            self._fail(HTTPStatus.NOT_FOUND, "no such shape")
        except (LipsyncError, ImportError, OSError) as error:
            self._fail(HTTPStatus.NOT_FOUND, f"no drawing for this shape: {error}")
        else:
            self._send(HTTPStatus.OK, body, content_type)

    def _media(self) -> None:
        media = self.server.session.playback.media
        size = media.size
        match = _RANGE.match(self.headers.get("Range", "").strip())
        if not match or match.groups() == ("", ""):
            self._send(HTTPStatus.OK, media.read(0, size), media.content_type, {"Accept-Ranges": "bytes"})
            return
        first, last = match.groups()
        if first == "":
            start, end = max(0, size - int(last)), size
        else:
            start, end = int(first), min(size, int(last) + 1 if last else size)
        end = min(end, start + _MAX_CHUNK)  # a shorter answer than asked is allowed; browsers ask again
        if start >= size or start >= end:
            self._send(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, b"", media.content_type,
                       {"Content-Range": f"bytes */{size}"})
            return
        self._send(HTTPStatus.PARTIAL_CONTENT, media.read(start, end), media.content_type,
                   {"Accept-Ranges": "bytes", "Content-Range": f"bytes {start}-{end - 1}/{size}"})

    # ------------------------------------------------------------------ POST

    def do_POST(self) -> None:  # noqa: N802 - the base class's name
        route = self._route()
        if route is None:
            return
        if self.headers.get("Origin") is None:
            self._fail(HTTPStatus.FORBIDDEN, "Origin header required")
            return
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            self._fail(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "JSON expected")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self._fail(HTTPStatus.BAD_REQUEST, "Content-Length is not a number")
            return
        if not 0 <= length <= _MAX_BODY:
            self._fail(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request too large")
            return
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            self._fail(HTTPStatus.BAD_REQUEST, "invalid JSON")
            return
        session = self.server.session
        actions: dict[str, Callable[[], Any]] = {
            "api/save": lambda: session.save(body.get("tracks", ()), body.get("formats", ()), str(body["version"])),
            "api/reanimate": lambda: session.reanimate(body["track"], body["word"], body["start"], body["end"]),
            "api/reload": lambda: (session.reload(), session.state())[1],
            "api/adapt": lambda: session.adapt(body["track"], body["line"], body["text"], body["language"]),
            "api/rhythmo": lambda: {"band": session.candidate_band(body["track"], body["line"], body["text"],
                                                                   body["language"])},
        }
        action = actions.get(route)
        if action is None or not isinstance(body, dict):
            self._fail(HTTPStatus.NOT_FOUND, "not found")
            return
        try:
            self._json(action())
        except ChangedOnDiskError as error:
            self._fail(HTTPStatus.CONFLICT, error.message, error.hint)
        except LipsyncError as error:
            self._fail(HTTPStatus.UNPROCESSABLE_ENTITY, error.message, error.hint)
        except (KeyError, TypeError, ValueError) as error:
            self._fail(HTTPStatus.BAD_REQUEST, f"malformed request: {error!r}")
