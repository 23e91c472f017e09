"""A loopback web server for site folders, one folder per host name (virtual hosts by `Host`).

The offline backend crawls the shipped sample prospect and competitor sites, and the brand's own
built site, through real HTTP on 127.0.0.1 (the crawler's `host_map` sends a competitor's host here).
A folder may hold `_routes.json` mapping paths to `{"status": 410}`, `{"status": 301, "location":
"/new"}` or `{"delay": 0.5}`, so a sample site can have gone pages, redirects and slow pages.
"""

from __future__ import annotations

import json
import mimetypes
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Handler(BaseHTTPRequestHandler):
    server: _SiteServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def _site(self) -> Path | None:
        host = (self.headers.get("Host") or "").lower()
        return self.server.sites.get(host) or self.server.sites.get(host.split(":")[0]) or self.server.default

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_GET(self) -> None:
        self._serve(body=True)

    def _serve(self, body: bool) -> None:
        site = self._site()
        path = unquote(urlsplit(self.path).path)
        self.server.hits.append((self.headers.get("Host") or "", path))
        route = self.server.routes_for(site).get(path, {}) if site else {}
        if route.get("delay"):
            time.sleep(float(route["delay"]))
        status = int(route.get("status", 200))
        if "location" in route:
            self._reply(status, b"", "text/plain", {"Location": route["location"]}, body)
            return
        file = self._file(site, path) if site and status == 200 else None
        if status != 200 or file is None:
            status = 404 if status == 200 else status
            self._reply(status, b"<html><body>not here</body></html>", "text/html", {}, body)
            return
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if kind.startswith("text/") or kind.endswith("xml"):
            kind += "; charset=utf-8"
        self._reply(200, file.read_bytes(), kind, {}, body)

    @staticmethod
    def _file(site: Path, path: str) -> Path | None:
        candidate = (site / path.lstrip("/")).resolve()
        if not candidate.is_relative_to(site.resolve()):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        elif not candidate.exists() and candidate.with_suffix(".html").exists():
            candidate = candidate.with_suffix(".html")
        return candidate if candidate.is_file() and not candidate.name.startswith("_") else None

    def _reply(self, status: int, payload: bytes, kind: str, headers: Mapping[str, str], body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(payload)


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, sites: Mapping[str, Path], default: Path | None):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.sites = {host.lower(): Path(folder) for host, folder in sites.items()}
        self.default = default
        self.hits: list[tuple[str, str]] = []
        self._routes: dict[Path, dict] = {}

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up early (a link check that needs only the status) is not an error."""
        import sys

        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)

    def routes_for(self, site: Path) -> dict:
        if site not in self._routes:
            file = site / "_routes.json"
            self._routes[site] = json.loads(file.read_text()) if file.exists() else {}
        return self._routes[site]


@contextmanager
def serve_sites(sites: Mapping[str, Path], default: Path | None = None) -> Iterator[_SiteServer]:
    """Serve the folders on 127.0.0.1 at a free port; `server.server_address[1]` is the port."""
    server = _SiteServer(sites, default)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def host_map_for(server: _SiteServer) -> tuple[tuple[str, str], ...]:
    port = server.server_address[1]
    return tuple((host, f"127.0.0.1:{port}") for host in server.sites)
