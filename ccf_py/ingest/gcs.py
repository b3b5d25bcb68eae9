"""Turn what a user types after ``ccf-py ingest gcp-billing`` into local files to read.

A spec is a file (taken whatever its name), a folder (searched for billing export files), a
glob, or a ``gs://bucket/prefix`` URI. Cloud Storage objects are listed and downloaded with
google-cloud-storage (the optional ``gcp`` extra), which follows Google's own credential chain
(``gcloud auth application-default login``, service accounts, metadata server) and honours
``STORAGE_EMULATOR_HOST`` for a local stand-in; ``endpoint_url`` (or
``$CCF_PY_GCS_ENDPOINT_URL``) points it at another endpoint with anonymous credentials.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ccf_py.errors import SourceError
from ccf_py.ingest.download import download_via_part
from ccf_py.ingest.gcp_billing import is_gcp_file_name
from ccf_py.ingest.s3 import _local_parts
from ccf_py.ingest.sources import Source

GS_SCHEME = "gs://"
NO_FILES = ("no billing export files (.json, .jsonl, .ndjson, .csv, optionally .gz; .parquet, "
            ".avro)")
_GLOB_MAGIC = re.compile(r"[*?[]")


def expand_gcp_sources(specs: Sequence[str], workdir: Path, *, endpoint_url: str | None = None,
                       progress: Callable[[str], None] | None = None) -> list[Source]:
    """Local files for ``specs``, sorted by name, each once. Every spec is checked (and every
    gs:// prefix listed) before the first download, so a typo fails fast."""
    found: dict[str, Source] = {}
    pending: dict[str, tuple[str, str]] = {}
    client: Any = None
    for spec in specs:
        if spec[:len(GS_SCHEME)].lower() == GS_SCHEME:
            if client is None:
                client = make_gcs_client(spec, endpoint_url)
            for bucket, name in list_gcs(client, spec):
                pending.setdefault(f"{GS_SCHEME}{bucket}/{name}", (bucket, name))
        else:
            for source in _expand_local(spec):
                found.setdefault(str(source.path.resolve()), source)
    for uri in sorted(pending):
        found.setdefault(uri, Source(uri, download(client, *pending[uri], workdir, progress)))
    return sorted(found.values(), key=lambda source: source.name)


def _expand_local(spec: str) -> list[Source]:
    path = Path(spec).expanduser()
    if path.is_file():
        return [Source(str(path), path.absolute())]
    if path.is_dir():
        sources = list(_walk(path))
    elif path.exists():
        raise SourceError(f"{spec}: not a regular file or directory")
    elif _GLOB_MAGIC.search(spec):
        matches = sorted(glob.glob(os.path.expanduser(spec), recursive=True))
        if not matches:
            raise SourceError(f"{spec}: no such file or directory")
        sources = []
        for match in matches:
            hit = Path(match)
            if hit.is_dir():
                sources.extend(_walk(hit))
            elif hit.is_file() and is_gcp_file_name(hit.name):
                sources.append(Source(str(hit), hit.absolute()))
    else:
        raise SourceError(f"{spec}: no such file or directory")
    if not sources:
        raise SourceError(f"{spec}: {NO_FILES}")
    return sources


def _walk(root: Path) -> Iterator[Source]:
    """Billing files under ``root``, hidden folders skipped; an unreadable folder is an error
    (a silent gap would understate the bill)."""

    def fail(exc: OSError) -> None:
        raise SourceError(f"{root}: cannot read {exc.filename}: {exc.strerror or exc}")

    for dirpath, dirnames, filenames in os.walk(root, onerror=fail):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in sorted(filenames):
            if is_gcp_file_name(filename):
                file_path = Path(dirpath, filename)
                yield Source(str(file_path), file_path.absolute())


def make_gcs_client(spec: str, endpoint_url: str | None) -> Any:
    try:
        from google.cloud import storage
    except ImportError:
        raise SourceError(f"{spec}: gs:// needs google-cloud-storage "
                          "(pip install 'ccf-py[gcp]')") from None
    endpoint = endpoint_url or os.environ.get("CCF_PY_GCS_ENDPOINT_URL") or None
    try:
        if endpoint:
            from google.auth.credentials import AnonymousCredentials
            return storage.Client(project="ccf-py", credentials=AnonymousCredentials(),
                                  client_options={"api_endpoint": endpoint})
        return storage.Client()
    except Exception as exc:  # google.auth.exceptions.DefaultCredentialsError and kin
        raise SourceError(f"{spec}: {_reason(exc)}") from None


def list_gcs(client: Any, spec: str) -> list[tuple[str, str]]:
    """(bucket, object name) of the billing files ``spec`` names: an exact object, or the
    objects under the prefix taken as a folder (``gs://b/exp`` is not ``gs://b/exp-old/``)."""
    bucket, _, prefix = spec[len(GS_SCHEME):].partition("/")
    if not bucket:
        raise SourceError(f"{spec}: no bucket name (expected gs://bucket/prefix)")
    try:
        names = [blob.name for blob in client.list_blobs(bucket, prefix=prefix or None)]
    except Exception as exc:  # google.api_core.exceptions.GoogleAPIError and transport errors
        raise SourceError(f"{spec}: {_reason(exc)}") from None
    if prefix and not prefix.endswith("/"):
        if prefix in names:
            return [(bucket, prefix)]
        names = [n for n in names if n.startswith(prefix + "/")]
    chosen = [(bucket, n) for n in names
              if not n.endswith("/") and is_gcp_file_name(n.rsplit("/", 1)[-1])]
    if not chosen:
        raise SourceError(f"{spec}: {NO_FILES}")
    return chosen


def download(client: Any, bucket: str, name: str, workdir: Path,
             progress: Callable[[str], None] | None) -> Path:
    """Download to ``workdir/<bucket>/<name>`` via a ``.part`` file renamed when complete."""
    dest = Path(workdir).joinpath(*_local_parts(bucket, name))
    uri = f"{GS_SCHEME}{bucket}/{name}"
    if progress is not None:
        progress(f"downloading {uri}")
    return download_via_part(
        uri, dest, lambda part: client.bucket(bucket).blob(name).download_to_filename(str(part)),
        _gcs_errors(), _reason)


def _gcs_errors() -> tuple[type[BaseException], ...]:
    """What google-cloud-storage raises for the service's answers and the connection (its
    requests transport), imported lazily as the client is."""
    from google.api_core.exceptions import GoogleAPIError
    from google.auth.exceptions import GoogleAuthError
    from requests import RequestException

    return (GoogleAPIError, GoogleAuthError, RequestException)


def _reason(exc: Exception) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."
