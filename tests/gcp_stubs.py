"""Local HTTP stand-ins on 127.0.0.1 for the two Google APIs the GCP ingest calls.

No emulator for Cloud Storage or BigQuery runs offline here (see the project's notes on
stand-ins), so each is a small ``http.server`` answering exactly the REST calls the official
clients make; the clients themselves run unpatched against them.

* Cloud Storage JSON API: objects.list (``GET /storage/v1/b/{bucket}/o``, paged with
  ``pageToken``) and media download (``GET /download/storage/v1/b/{bucket}/o/{name}?alt=media``).
* BigQuery v2: jobs.insert (``POST /projects/{p}/jobs``), jobs.get, and getQueryResults
  (``GET /projects/{p}/queries/{job}``, paged with ``pageToken``). The query text received is
  transpiled with sqlglot and run on DuckDB over a nested export table, so what travels is what
  the real SQL computes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

Handler = Callable[[str, str, dict[str, list[str]], bytes], tuple[int, dict[str, str], bytes]]


@contextmanager
def serve(handler: Handler) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """Run ``handler`` on a free port; yield (base URL, log of (method, path?query))."""
    log: list[tuple[str, str]] = []

    class Request(BaseHTTPRequestHandler):
        def _do(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            url = urlsplit(self.path)
            log.append((self.command, self.path))
            status, headers, payload = handler(self.command, url.path, parse_qs(url.query), body)
            self.send_response(status)
            for key, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _do  # noqa: N815 - http.server's naming

        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Request)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _json(status: int, obj: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {}, json.dumps(obj).encode()


def gcs_handler(objects: dict[tuple[str, str], bytes], page_size: int = 2) -> Handler:
    """Cloud Storage: ``objects`` maps (bucket, name) -> bytes."""

    def handle(method: str, path: str, query: dict[str, list[str]], body: bytes
               ) -> tuple[int, dict[str, str], bytes]:
        parts = path.split("/")
        if method == "GET" and path.startswith("/storage/v1/b/") and parts[-1] == "o":
            bucket = unquote(parts[4])
            if not any(b == bucket for b, _ in objects):
                return _json(404, {"error": {"code": 404, "message": "bucket not found"}})
            prefix = query.get("prefix", [""])[0]
            names = sorted(n for b, n in objects if b == bucket and n.startswith(prefix))
            start = int(query.get("pageToken", ["0"])[0])
            page = names[start:start + page_size]
            reply: dict[str, Any] = {"kind": "storage#objects", "items": [
                {"kind": "storage#object", "bucket": bucket, "name": n,
                 "size": str(len(objects[bucket, n]))} for n in page]}
            if start + page_size < len(names):
                reply["nextPageToken"] = str(start + page_size)
            return _json(200, reply)
        if method == "GET" and path.startswith("/download/storage/v1/b/"):
            bucket, name = unquote(parts[5]), unquote("/".join(parts[7:]))
            if (bucket, name) not in objects:
                return _json(404, {"error": {"code": 404, "message": "no such object"}})
            return 200, {"Content-Type": "application/octet-stream"}, objects[bucket, name]
        return _json(404, {"error": {"code": 404, "message": f"stub: no route {path}"}})

    return handle


def bigquery_handler(run_sql: Callable[[str], tuple[list[tuple[str, str]], list[tuple]]],
                     page_size: int = 7) -> Handler:
    """BigQuery: ``run_sql(bigquery_text)`` -> (schema [(name, type)], rows)."""
    jobs: dict[str, tuple[list[tuple[str, str]], list[tuple]]] = {}

    def job_resource(project: str, job_id: str) -> dict[str, Any]:
        return {"kind": "bigquery#job", "id": f"{project}:US.{job_id}",
                "jobReference": {"projectId": project, "jobId": job_id, "location": "US"},
                "status": {"state": "DONE"},
                "configuration": {"query": {"query": "", "useLegacySql": False}},
                "statistics": {"query": {}}}

    def handle(method: str, path: str, query: dict[str, list[str]], body: bytes
               ) -> tuple[int, dict[str, str], bytes]:
        parts = path.removeprefix("/bigquery/v2").split("/")  # ['', 'projects', p, kind, id?]
        project = parts[2]
        if method == "POST" and parts[3] == "jobs":
            request = json.loads(body)
            job_id = request["jobReference"]["jobId"]
            jobs[job_id] = run_sql(request["configuration"]["query"]["query"])
            return _json(200, job_resource(project, job_id))
        if method == "GET" and parts[3] == "jobs":
            return _json(200, job_resource(project, parts[4]))
        if method == "GET" and parts[3] == "queries":
            schema, rows = jobs[parts[4]]
            reply: dict[str, Any] = {
                "kind": "bigquery#getQueryResultsResponse", "jobComplete": True,
                "jobReference": {"projectId": project, "jobId": parts[4], "location": "US"},
                "totalRows": str(len(rows)),
                "schema": {"fields": [{"name": n, "type": t, "mode": "NULLABLE"}
                                      for n, t in schema]}}
            if query.get("maxResults") == ["0"]:
                return _json(200, reply)
            start = int(query.get("pageToken", ["0"])[0])
            size = min(page_size, int(query.get("maxResults", [str(page_size)])[0]))
            reply["rows"] = [{"f": [{"v": _cell(v)} for v in row]}
                             for row in rows[start:start + size]]
            if start + size < len(rows):
                reply["pageToken"] = str(start + size)
            return _json(200, reply)
        return _json(404, {"error": {"code": 404, "message": f"stub: no route {path}"}})

    return handle


def _cell(value: Any) -> str | None:
    """BigQuery REST values are strings; timestamps as int64 microseconds (the client asks
    for ``formatOptions.useInt64Timestamp``)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return str(int(value.timestamp() * 1_000_000))
    return repr(value) if isinstance(value, float) else str(value)
