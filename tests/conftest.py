"""Shared pytest fixtures.

S3 tests talk to a real moto server on 127.0.0.1 rather than patched boto3 calls, so paging,
HTTP error codes and ``download_file``'s transfer machinery are exercised as they run against AWS.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Talk to the local moto server directly even if the environment sets an HTTP(S) proxy.
_LOCAL_HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))

_MOTO_START_TIMEOUT_S = 10.0

# Environment that could send boto3 somewhere other than the local server or pick up the
# developer's real AWS identity; cleared for every S3 test.
_AWS_ENV_TO_CLEAR = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_S3",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_MAX_ATTEMPTS",
    "AWS_RETRY_MODE",
    "CCF_PY_S3_ENDPOINT_URL",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _moto_command() -> list[str]:
    """The moto_server console script of this interpreter's environment (the venv need not be
    activated); ``python -m moto.server`` if the script is missing."""
    script = Path(sys.executable).with_name("moto_server")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "moto.server"]


def _moto_ready(endpoint: str) -> bool:
    try:
        with _LOCAL_HTTP.open(f"{endpoint}/moto-api/", timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def moto_s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start one moto server for the test session and yield its ``http://127.0.0.1:<port>``."""
    log_path = tmp_path_factory.mktemp("moto") / "moto_server.log"
    env = {k: v for k, v in os.environ.items() if k not in _AWS_ENV_TO_CLEAR}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_DEFAULT_REGION="us-east-1")
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*_moto_command(), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    try:
        deadline = time.monotonic() + _MOTO_START_TIMEOUT_S
        while not _moto_ready(endpoint):
            if process.poll() is not None or time.monotonic() > deadline:
                log_tail = log_path.read_text(errors="replace")[-2000:]
                pytest.fail(f"moto_server did not start on {endpoint}:\n{log_tail}")
            time.sleep(0.05)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def s3_client(moto_s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A boto3 S3 client on a freshly reset moto server.

    The environment gets dummy credentials so code under test that builds its own client finds
    them through the normal credential chain, and never the developer's real AWS identity,
    config files or instance metadata.
    """
    import boto3

    for name in _AWS_ENV_TO_CLEAR:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    # boto3.client() reuses a module-level default session that caches the credentials it
    # resolved first; start each test from a fresh one so the environment above is what counts.
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)

    request = urllib.request.Request(f"{moto_s3_endpoint}/moto-api/reset", method="POST")
    with _LOCAL_HTTP.open(request, timeout=5) as response:
        assert response.status == 200

    return boto3.client(
        "s3",
        endpoint_url=moto_s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


# --------------------------------------------------------------------------- Azurite (Azure Blob)

AZURITE_ACCOUNT = "devstoreaccount1"
# Azurite's published development key (not a secret: the emulator accepts only this one)
AZURITE_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/"
               "KBHBeksoGMGw==")
_AZURITE_START_TIMEOUT_S = 20.0


def _azurite_command() -> list[str] | None:
    """``azurite-blob`` from $CCF_PY_AZURITE_BLOB, the PATH, or the repository's node_modules
    (``npm install --no-save azurite@3``)."""
    candidates = [os.environ.get("CCF_PY_AZURITE_BLOB"), shutil.which("azurite-blob"),
                  str(Path(__file__).resolve().parents[1] / "node_modules" / ".bin"
                      / "azurite-blob")]
    found = next((c for c in candidates if c and Path(c).is_file()), None)
    return [found] if found and shutil.which("node") else None


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start Azurite's blob service on 127.0.0.1 (a free port, a temporary workspace) for the
    session and yield its connection string; stop it after. Skipped with a reason when
    node/Azurite is missing, except under CI=true, where that is a failure."""
    command = _azurite_command()
    if command is None:
        reason = ("Azurite not found: install with 'npm install --no-save azurite@3' in the "
                  "repository (or set CCF_PY_AZURITE_BLOB to azurite-blob); needs node")
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    workspace = tmp_path_factory.mktemp("azurite")
    port = _free_port()
    log_path = workspace / "azurite.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location",
             str(workspace / "data"), "--skipApiVersionCheck", "--loose", "--silent"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + _AZURITE_START_TIMEOUT_S
        while not _port_open(port):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Azurite did not start on port {port}:\n"
                            + log_path.read_text(errors="replace")[-2000:])
            time.sleep(0.05)
        yield (f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
               f"AccountKey={AZURITE_KEY};"
               f"BlobEndpoint=http://127.0.0.1:{port}/{AZURITE_ACCOUNT};")
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
