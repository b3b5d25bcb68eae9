"""List and download the cost export blobs an ``az://`` or ``https://`` spec names.

Cost Management writes exports to Azure Blob Storage as
``<container>/<folder>/<export>/<YYYYMMDD-YYYYMMDD>/<run id>/part_*.csv``: every run of a month
adds a run folder holding the whole month again, so a prefix over an export would count a month
once per run. As for CUR report versions, the newest run folder of each period is kept
(``cur_versions.current_versions``, by the blobs' last-modified time, with a warning).

Credentials: a connection string (``--connection-string``,
``$CCF_PY_AZURE_STORAGE_CONNECTION_STRING``
or ``$AZURE_STORAGE_CONNECTION_STRING``), a SAS token in an https URL, or else
``DefaultAzureCredential`` (azure-identity). azure-storage-blob is imported only when a blob spec
is given (optional extra ``azure``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ccf_py.errors import SourceError
from ccf_py.ingest.cur_names import STATUS_DIR, is_cur_file_name
from ccf_py.ingest.cur_versions import current_versions
from ccf_py.ingest.download import download_via_part
from ccf_py.ingest.s3 import _human_size, _local_parts
from ccf_py.ingest.sources import Source, expand_sources

AZ_SCHEME = "az://"
CONNECTION_ENV = ("CCF_PY_AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_CONNECTION_STRING")
NO_EXPORT_FILES = "no cost export files (.csv, .csv.gz, .parquet) found"
_LOCAL_HOSTS = re.compile(r"^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$")


@dataclass(frozen=True)
class Blob:
    container: str
    name: str
    size: int
    modified: float
    uri: str


def is_blob_spec(spec: str) -> bool:
    low = spec.lower()
    return low.startswith(AZ_SCHEME) or low.startswith(("https://", "http://"))


def expand_export_sources(specs: Sequence[str], workdir: Path, *,
                          connection_string: str | None = None,
                          progress: Callable[[str], None] | None = None) -> list[Source]:
    """Local files, folders and globs (as ``sources.expand_sources``) and blob specs, as local
    files. Every blob spec is listed before the first download, so a bad spec fails fast."""
    local = [s for s in specs if not is_blob_spec(s)]
    found = {s.name: s for s in expand_sources(local, workdir, progress=progress)}
    pending: list[tuple[Any, Blob]] = []
    for spec in (s for s in specs if is_blob_spec(s)):
        client, container, prefix = _client(spec, connection_string)
        pending += [(client, b) for b in _list(client, spec, container, prefix, progress)]
    for client, blob in sorted(pending, key=lambda p: p[1].uri):
        if blob.uri not in found:
            found[blob.uri] = Source(blob.uri, _download(client, blob, Path(workdir), progress))
    return sorted(found.values(), key=lambda s: s.name)


def _client(spec: str, connection_string: str | None) -> tuple[Any, str, str]:
    """(BlobServiceClient, container, prefix) for one spec."""
    try:
        from azure.core.exceptions import AzureError
        from azure.storage.blob import BlobServiceClient
    except ImportError:
        raise SourceError(f"{spec}: reading Azure Blob Storage needs azure-storage-blob "
                          "(pip install 'ccf-py[azure]')") from None
    conn = connection_string or next((os.environ[e] for e in CONNECTION_ENV
                                      if os.environ.get(e)), None)
    try:
        if spec.lower().startswith(AZ_SCHEME):
            container, _, prefix = spec[len(AZ_SCHEME):].partition("/")
            if not conn:
                raise SourceError(f"{spec}: az:// needs a storage connection string "
                                  f"(--connection-string or ${CONNECTION_ENV[0]})")
            client = BlobServiceClient.from_connection_string(conn)
        else:
            url = urlsplit(spec)
            parts = [unquote(p) for p in url.path.split("/") if p]
            # Azurite and other emulators name the account in the path, Azure in the host
            account = parts.pop(0) if _LOCAL_HOSTS.match(url.netloc) and parts else ""
            if not parts:
                raise SourceError(f"{spec}: no container in the URL")
            container, prefix = parts[0], "/".join(parts[1:])
            if conn:
                client = BlobServiceClient.from_connection_string(conn)
            else:
                base = f"{url.scheme}://{url.netloc}" + (f"/{account}" if account else "")
                client = BlobServiceClient(base, credential=url.query or _default_credential(spec))
    except (ValueError, AzureError) as exc:
        raise SourceError(f"{spec}: {_reason(exc)}") from None
    if not container:
        raise SourceError(f"{spec}: no container name (expected az://container/prefix)")
    return client, container, prefix


def _default_credential(spec: str) -> Any:
    try:
        from azure.identity import DefaultAzureCredential
    except ImportError:
        raise SourceError(f"{spec}: no credentials: give a connection string, a SAS URL, or "
                          "install azure-identity (pip install 'ccf-py[azure]')") from None
    return DefaultAzureCredential()


def _list(client: Any, spec: str, container: str, prefix: str,
          progress: Callable[[str], None] | None) -> list[Blob]:
    """The export files under ``prefix`` (a folder, or one exact blob), newest run only."""
    from azure.core.exceptions import AzureError

    try:
        listed = [Blob(container, b.name, int(b.size or 0),
                       b.last_modified.timestamp() if b.last_modified else 0.0,
                       f"{AZ_SCHEME}{container}/{b.name}")
                  for b in client.get_container_client(container).list_blobs(
                      name_starts_with=prefix or None)]
    except AzureError as exc:
        raise SourceError(f"{spec}: {_reason(exc)}") from None
    if prefix and not prefix.endswith("/"):
        exact = [b for b in listed if b.name == prefix]
        if exact:
            return exact
        listed = [b for b in listed if b.name.startswith(prefix + "/")]
    chosen = [b for b in listed if is_cur_file_name(b.name.rsplit("/", 1)[-1])
              and STATUS_DIR not in b.name.split("/")[:-1]]
    if not chosen:
        raise SourceError(f"{spec}: {NO_EXPORT_FILES}")
    by_parts = {tuple(b.name.split("/")): b for b in chosen}
    kept = current_versions(list(by_parts), lambda p: by_parts[p].modified, lambda _p: None,
                            lambda p: f"{AZ_SCHEME}{container}/{'/'.join(p)}", progress)
    return [b for p, b in by_parts.items() if p in kept]


def _download(client: Any, blob: Blob, workdir: Path,
              progress: Callable[[str], None] | None) -> Path:
    """Download to ``workdir/<container>/<name>`` through a ``.part`` file (never a partial
    file under the final name)."""
    from azure.core.exceptions import AzureError

    dest = workdir.joinpath(*_local_parts(blob.container, blob.name))
    if progress:
        progress(f"downloading {blob.uri} ({_human_size(blob.size)})")

    def fetch(part: Path) -> None:
        with part.open("wb") as fh:
            client.get_blob_client(blob.container, blob.name).download_blob().readinto(fh)

    return download_via_part(blob.uri, dest, fetch, (AzureError,), _reason)


def _reason(exc: Exception) -> str:
    """One line: the service's error code and message, not the SDK's multi-line text."""
    code = getattr(exc, "error_code", None)
    text = " ".join(str(getattr(exc, "message", None) or exc).split())
    text = text.split(" RequestId:")[0]
    reason = f"{code}: {text}" if code and code not in text else text
    return reason if len(reason) <= 300 else reason[:297] + "..."
