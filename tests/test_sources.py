"""Tests for ccf_py.ingest.sources: local paths, globs and s3:// specs on a real moto server."""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from ccf_py.errors import SourceError
from ccf_py.ingest.s3 import _human_size, _local_parts
from ccf_py.ingest.sources import Source, expand_sources

FIXTURES = Path(__file__).parent / "fixtures"
LEGACY_GZ = FIXTURES / "aws_cur_legacy_sample.csv.gz"
CUR2_PARQUET = FIXTURES / "aws_cur2_sample.parquet"

BUCKET = "cur-bucket"
LEGACY_KEY = "cur/myreport/20231101-20231201/20231102T000000Z/myreport-00001.csv.gz"
CUR2_KEY = "cur2/myexport/data/BILLING_PERIOD=2023-11/myexport-00001.snappy.parquet"
LEGACY_URI = f"s3://{BUCKET}/{LEGACY_KEY}"
CUR2_URI = f"s3://{BUCKET}/{CUR2_KEY}"

# Files AWS delivers next to the data that are not billing data.
NON_DATA_KEYS = (
    "cur/myreport/20231101-20231201/myreport-Manifest.json",
    "cur/myreport/20231101-20231201/20231102T000000Z/myreport-Manifest.json",
    "cur2/myexport/metadata/BILLING_PERIOD=2023-11/myexport-Manifest.json",
    "cur/myreport/cost_and_usage_data_status/cost_and_usage_data_status.parquet",
    "cur/myreport/crawler-cfn.yml",
    "cur/",
)


@pytest.fixture
def cur_bucket(s3_client: Any) -> Any:
    """A bucket holding one legacy CUR object, one CUR 2.0 object and their side files."""
    s3_client.create_bucket(Bucket=BUCKET)
    s3_client.upload_file(str(LEGACY_GZ), BUCKET, LEGACY_KEY)
    s3_client.upload_file(str(CUR2_PARQUET), BUCKET, CUR2_KEY)
    for key in NON_DATA_KEYS:
        s3_client.put_object(Bucket=BUCKET, Key=key, Body=b"{}")
    return s3_client


def _one_line(exc: pytest.ExceptionInfo[SourceError]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    assert "Traceback" not in message
    return message


def _leftover_parts(workdir: Path) -> list[Path]:
    return [p for p in workdir.rglob("*") if p.name.endswith(".part")]


# --------------------------------------------------------------------------- S3


def test_s3_legacy_cur_prefix(cur_bucket: Any, moto_s3_endpoint: str, tmp_path: Path) -> None:
    sources = expand_sources([f"s3://{BUCKET}/cur/myreport"], tmp_path,
                             endpoint_url=moto_s3_endpoint)
    assert [s.name for s in sources] == [LEGACY_URI]
    path = sources[0].path
    assert path == tmp_path.joinpath(BUCKET, *LEGACY_KEY.split("/"))
    assert path.read_bytes() == LEGACY_GZ.read_bytes()
    assert _leftover_parts(tmp_path) == []


def test_s3_cur2_prefix_keeps_hive_folder(cur_bucket: Any, moto_s3_endpoint: str,
                                         tmp_path: Path) -> None:
    sources = expand_sources([f"s3://{BUCKET}/cur2/myexport/data/"], tmp_path,
                             endpoint_url=moto_s3_endpoint)
    assert [s.name for s in sources] == [CUR2_URI]
    assert "BILLING_PERIOD=2023-11" in sources[0].path.parts
    assert sources[0].path.read_bytes() == CUR2_PARQUET.read_bytes()


@pytest.mark.parametrize("uri", [f"s3://{BUCKET}", f"s3://{BUCKET}/"])
def test_s3_whole_bucket_returns_both_and_reports_progress(
    cur_bucket: Any, moto_s3_endpoint: str, tmp_path: Path, uri: str
) -> None:
    messages: list[str] = []
    sources = expand_sources([uri], tmp_path, endpoint_url=moto_s3_endpoint,
                             progress=messages.append)
    assert [s.name for s in sources] == [LEGACY_URI, CUR2_URI]
    assert sources[0].path.read_bytes() == LEGACY_GZ.read_bytes()
    assert sources[1].path.read_bytes() == CUR2_PARQUET.read_bytes()
    assert messages == [f"downloading {LEGACY_URI} (50.8 kB)", f"downloading {CUR2_URI} (65.1 kB)"]
    downloaded = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert downloaded == sorted(s.path for s in sources)  # manifests etc. never fetched


def test_s3_exact_key(cur_bucket: Any, moto_s3_endpoint: str, tmp_path: Path) -> None:
    sources = expand_sources([CUR2_URI], tmp_path, endpoint_url=moto_s3_endpoint)
    assert [s.name for s in sources] == [CUR2_URI]
    assert sources[0].path.read_bytes() == CUR2_PARQUET.read_bytes()


def test_s3_prefix_is_a_folder_not_a_string_prefix(cur_bucket: Any, moto_s3_endpoint: str,
                                                   tmp_path: Path) -> None:
    cur_bucket.put_object(Bucket=BUCKET, Key="cur/myreport-test/x/test-00001.csv.gz", Body=b"x")
    sources = expand_sources([f"s3://{BUCKET}/cur/myreport"], tmp_path,
                             endpoint_url=moto_s3_endpoint)
    assert [s.name for s in sources] == [LEGACY_URI]
    with pytest.raises(SourceError) as exc:
        expand_sources([f"s3://{BUCKET}/cur/myrep"], tmp_path, endpoint_url=moto_s3_endpoint)
    assert "no CUR files" in _one_line(exc)


def test_s3_same_base_name_never_collides(s3_client: Any, moto_s3_endpoint: str,
                                          tmp_path: Path) -> None:
    s3_client.create_bucket(Bucket=BUCKET)
    keys = {"a/2023-10/report-00001.csv": b"october", "a/2023-11/report-00001.csv": b"november"}
    for key, body in keys.items():
        s3_client.put_object(Bucket=BUCKET, Key=key, Body=body)
    sources = expand_sources([f"s3://{BUCKET}/a"], tmp_path, endpoint_url=moto_s3_endpoint)
    assert {s.name: s.path.read_bytes() for s in sources} == {
        f"s3://{BUCKET}/{key}": body for key, body in keys.items()
    }


def test_s3_overlapping_specs_download_once(cur_bucket: Any, moto_s3_endpoint: str,
                                            tmp_path: Path) -> None:
    messages: list[str] = []
    specs = [f"s3://{BUCKET}/cur", LEGACY_URI, f"s3://{BUCKET}/cur/myreport/", LEGACY_URI]
    sources = expand_sources(specs, tmp_path, endpoint_url=moto_s3_endpoint,
                             progress=messages.append)
    assert [s.name for s in sources] == [LEGACY_URI]
    assert len(messages) == 1


def test_s3_endpoint_from_environment(cur_bucket: Any, moto_s3_endpoint: str, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCF_PY_S3_ENDPOINT_URL", moto_s3_endpoint)
    sources = expand_sources([LEGACY_URI], tmp_path)
    assert sources[0].path.read_bytes() == LEGACY_GZ.read_bytes()


def test_s3_missing_bucket(s3_client: Any, moto_s3_endpoint: str, tmp_path: Path) -> None:
    with pytest.raises(SourceError) as exc:
        expand_sources(["s3://no-such-bucket/cur"], tmp_path, endpoint_url=moto_s3_endpoint)
    assert _one_line(exc) == "s3://no-such-bucket/cur: bucket does not exist"


@pytest.mark.parametrize("prefix", ["nothing-here/", "cur2/myexport/metadata"])
def test_s3_prefix_without_cur_files(cur_bucket: Any, moto_s3_endpoint: str, tmp_path: Path,
                                     prefix: str) -> None:
    uri = f"s3://{BUCKET}/{prefix}"
    with pytest.raises(SourceError) as exc:
        expand_sources([uri], tmp_path, endpoint_url=moto_s3_endpoint)
    assert _one_line(exc) == f"{uri}: no CUR files (.csv, .csv.gz, .parquet) found"


def test_s3_bad_spec_fails_before_any_download(cur_bucket: Any, moto_s3_endpoint: str,
                                               tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="^s3://no-such-bucket: bucket does not exist$"):
        expand_sources([LEGACY_URI, "s3://no-such-bucket"], tmp_path,
                       endpoint_url=moto_s3_endpoint)
    assert list(tmp_path.iterdir()) == []


def test_s3_object_vanishing_leaves_no_file(cur_bucket: Any, moto_s3_endpoint: str,
                                            tmp_path: Path) -> None:
    def delete_first(message: str) -> None:
        cur_bucket.delete_object(Bucket=BUCKET, Key=LEGACY_KEY)

    with pytest.raises(SourceError) as exc:
        expand_sources([LEGACY_URI], tmp_path, endpoint_url=moto_s3_endpoint,
                       progress=delete_first)
    assert _one_line(exc).startswith(f"{LEGACY_URI}: object does not exist")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_s3_unreachable_endpoint(s3_client: Any, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    with pytest.raises(SourceError) as exc:
        expand_sources([f"s3://{BUCKET}/cur"], tmp_path, endpoint_url=closed)
    assert _one_line(exc) == f"s3://{BUCKET}/cur: cannot connect to {closed}"


def test_s3_no_credentials(s3_client: Any, moto_s3_endpoint: str, tmp_path: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(SourceError) as exc:
        expand_sources([f"s3://{BUCKET}/cur"], tmp_path, endpoint_url=moto_s3_endpoint)
    assert _one_line(exc).startswith(f"s3://{BUCKET}/cur: no AWS credentials found")


@pytest.mark.parametrize("uri", ["s3://", "s3:///key.csv"])
def test_s3_uri_without_bucket(uri: str, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no bucket name"):
        expand_sources([uri], tmp_path, endpoint_url="http://127.0.0.1:9")


def test_local_and_s3_together_sorted(cur_bucket: Any, moto_s3_endpoint: str,
                                      tmp_path: Path) -> None:
    local = tmp_path / "local" / "extra.csv"
    local.parent.mkdir()
    local.write_text("a\n1\n")
    sources = expand_sources([CUR2_URI, str(local), LEGACY_URI], tmp_path / "work",
                             endpoint_url=moto_s3_endpoint)
    assert [s.name for s in sources] == sorted([str(local), LEGACY_URI, CUR2_URI])


def test_local_parts_stay_inside_workdir() -> None:
    assert _local_parts("b", "cur/r/BILLING_PERIOD=2023-11/x.parquet") == [
        "b", "cur", "r", "BILLING_PERIOD=2023-11", "x.parquet"]
    tricky = ["../../etc/passwd.csv", "a//b.csv", "./c.csv", "a/%2E%2E/b.csv", "w:x?<y>.csv"]
    mapped = [_local_parts("b", key) for key in tricky]
    for parts in mapped:
        assert not {".", "..", ""} & set(parts)
        assert all("/" not in p and "\\" not in p and ":" not in p and "?" not in p
                   for p in parts)
    assert len({tuple(p) for p in mapped}) == len(tricky)  # distinct keys, distinct files


def test_s3_hostile_keys_download_inside_workdir(s3_client: Any, moto_s3_endpoint: str,
                                                 tmp_path: Path) -> None:
    """Keys with dot segments, empty segments and characters illegal in file names land under
    workdir/<bucket>, one file per key (the same mapping _local_parts is tested for above)."""
    s3_client.create_bucket(Bucket=BUCKET)
    keys = ["x/a//b.csv", "x/a/b.csv", "x/%2E%2E/c.csv", "x/w:x?<y>.csv", "x/./d.csv",
            "x/../../e.csv", "x/b/../f.csv"]
    for key in keys:
        s3_client.put_object(Bucket=BUCKET, Key=key, Body=key.encode())
    workdir = tmp_path / "work"
    sources = expand_sources([f"s3://{BUCKET}/x"], workdir, endpoint_url=moto_s3_endpoint)
    assert {s.name: s.path.read_bytes() for s in sources} == {
        f"s3://{BUCKET}/{key}": key.encode() for key in keys}
    root = (workdir / BUCKET).resolve()
    for s in sources:
        assert s.path.resolve().is_relative_to(root), s.path
        assert ":" not in s.path.name and "?" not in s.path.name
    assert len({s.path for s in sources}) == len(keys)


def test_human_size() -> None:
    assert [_human_size(n) for n in (0, 999, 1000, 1_234_567, 5 * 10**12)] == [
        "0 B", "999 B", "1.0 kB", "1.2 MB", "5.0 TB"]


# --------------------------------------------------------------------------- local


@pytest.fixture
def billing_tree(tmp_path: Path) -> Path:
    """A synced export folder with data files at several depths and the usual clutter."""
    root = tmp_path / "export"
    files = {
        "a.csv": "x", "sub/b.csv.gz": "x", "sub/deep/c.parquet": "x",
        "sub/deep/d.snappy.parquet": "x", "sub/e.gz.parquet": "x", "UPPER.CSV": "x",
        # not billing data:
        "sub/report-Manifest.json": "{}", "notes.txt": "x", ".hidden.csv": "x",
        ".git/objects/f.csv": "x", "sub/g.csv.part": "x",
        "r/cost_and_usage_data_status/cost_and_usage_data_status.parquet": "x",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


EXPECTED_IN_TREE = ["UPPER.CSV", "a.csv", "sub/b.csv.gz", "sub/deep/c.parquet",
                    "sub/deep/d.snappy.parquet", "sub/e.gz.parquet"]


def _rel_names(sources: list[Source], root: Path) -> list[str]:
    return [Path(s.name).relative_to(root).as_posix() for s in sources]


def test_local_directory_is_searched_recursively(billing_tree: Path, tmp_path: Path) -> None:
    sources = expand_sources([str(billing_tree)], tmp_path / "work")
    assert _rel_names(sources, billing_tree) == EXPECTED_IN_TREE
    assert all(s.path.is_absolute() and s.path.is_file() for s in sources)
    assert not (tmp_path / "work").exists()  # nothing downloaded, nothing created


def test_local_glob(billing_tree: Path, tmp_path: Path) -> None:
    sources = expand_sources([f"{billing_tree}/**/*.csv.gz", f"{billing_tree}/sub/*"], tmp_path)
    assert _rel_names(sources, billing_tree) == [
        "sub/b.csv.gz", "sub/deep/c.parquet", "sub/deep/d.snappy.parquet", "sub/e.gz.parquet"]


def test_local_duplicates_appear_once(billing_tree: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(billing_tree)
    os.symlink(billing_tree / "a.csv", tmp_path / "link.csv")
    specs = ["a.csv", "./a.csv", str(billing_tree / "a.csv"), str(tmp_path / "link.csv"),
             "sub", "sub/b.csv.gz", "sub/*.gz"]
    sources = expand_sources(specs, tmp_path / "work")
    assert [s.name for s in sources] == [
        "a.csv", "sub/b.csv.gz", "sub/deep/c.parquet", "sub/deep/d.snappy.parquet",
        "sub/e.gz.parquet"]


def test_local_explicit_file_is_taken_whatever_its_name(billing_tree: Path,
                                                        tmp_path: Path) -> None:
    notes = billing_tree / "notes.txt"
    assert expand_sources([str(notes)], tmp_path) == [Source(str(notes), notes)]


@pytest.mark.parametrize("spec", ["does/not/exist.csv", "does/not/*.csv"])
def test_local_missing(spec: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SourceError) as exc:
        expand_sources([spec], tmp_path)
    assert _one_line(exc) == f"{spec}: no such file or directory"


def test_local_without_cur_files(billing_tree: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for spec in (str(empty), f"{billing_tree}/**/*.json", f"{billing_tree}/*.txt"):
        with pytest.raises(SourceError) as exc:
            expand_sources([spec], tmp_path)
        assert _one_line(exc) == f"{spec}: no CUR files (.csv, .csv.gz, .parquet) found"


def test_no_specs_gives_empty_list(tmp_path: Path) -> None:
    assert expand_sources([], tmp_path) == []


# --------------------------------------------------------------------------- report versions
# Legacy CUR with "create new report version" keeps every refresh of a month in its own
# assembly folder under the period folder; each one is a full copy of the month.

PERIOD = "cur/myreport/20231101-20231201"
NEXT_PERIOD_KEY = "cur/myreport/20231201-20240101/0000-only-run/myreport-00001.csv.gz"
MANIFEST_KEY = f"{PERIOD}/myreport-Manifest.json"
# The later run sorts first, so the tests show that age, not name, picks the newest.
FIRST_RUN, SECOND_RUN = "ffff-first-run", "0000-second-run"
DIRECT_KEYS = [f"{PERIOD}/myreport-0000{n}.csv.gz" for n in (1, 2)]  # "overwrite" delivery


def _run_keys(run: str) -> list[str]:
    return [f"{PERIOD}/{run}/myreport-0000{n}.csv.gz" for n in (1, 2)]


def _manifest(run: str) -> bytes:
    return json.dumps({"assemblyId": run, "reportKeys": _run_keys(run)}).encode()


def _newest_warning(period: str, reason: str = "no manifest") -> str:
    return (f"warning: {period} holds 2 report versions and {reason}; "
            f"reading only the newest, {SECOND_RUN}")


def _put_keys(client: Any, keys: list[str]) -> None:
    for key in keys:
        client.put_object(Bucket=BUCKET, Key=key, Body=key.encode())


def _uris(keys: list[str]) -> list[str]:
    return [f"s3://{BUCKET}/{key}" for key in keys]


def test_s3_report_versions_follow_the_period_manifest(s3_client: Any, moto_s3_endpoint: str,
                                                       tmp_path: Path) -> None:
    s3_client.create_bucket(Bucket=BUCKET)
    run_manifests = [f"{PERIOD}/{run}/myreport-Manifest.json" for run in (FIRST_RUN, SECOND_RUN)]
    _put_keys(s3_client, _run_keys(FIRST_RUN) + _run_keys(SECOND_RUN) + run_manifests)
    s3_client.put_object(Bucket=BUCKET, Key=MANIFEST_KEY, Body=_manifest(FIRST_RUN))
    messages: list[str] = []
    sources = expand_sources([f"s3://{BUCKET}/cur/myreport/"], tmp_path,
                             endpoint_url=moto_s3_endpoint, progress=messages.append)
    assert [s.name for s in sources] == _uris(_run_keys(FIRST_RUN))
    assert [m for m in messages if not m.startswith("downloading")] == []
    downloaded = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert downloaded == sorted(s.path for s in sources)  # the manifest is read, not kept


def test_s3_report_versions_without_manifest_keep_the_newest(
    s3_client: Any, moto_s3_endpoint: str, tmp_path: Path
) -> None:
    s3_client.create_bucket(Bucket=BUCKET)
    _put_keys(s3_client, _run_keys(FIRST_RUN))
    time.sleep(1.1)  # S3 LastModified has whole seconds
    _put_keys(s3_client, _run_keys(SECOND_RUN) + [NEXT_PERIOD_KEY])
    messages: list[str] = []
    sources = expand_sources([f"s3://{BUCKET}/cur"], tmp_path, endpoint_url=moto_s3_endpoint,
                             progress=messages.append)
    assert [s.name for s in sources] == _uris(_run_keys(SECOND_RUN) + [NEXT_PERIOD_KEY])
    assert messages[0] == _newest_warning(f"s3://{BUCKET}/{PERIOD}")
    assert len(messages) == 4 and all(m.startswith("downloading") for m in messages[1:])


@pytest.mark.parametrize("keys", [_run_keys(SECOND_RUN), DIRECT_KEYS],
                         ids=["one-version", "parts-in-period-folder"])
def test_s3_single_report_version_is_kept_whole(s3_client: Any, moto_s3_endpoint: str,
                                                tmp_path: Path, keys: list[str]) -> None:
    s3_client.create_bucket(Bucket=BUCKET)
    _put_keys(s3_client, keys)
    s3_client.put_object(Bucket=BUCKET, Key=MANIFEST_KEY, Body=b"{}")  # never consulted
    messages: list[str] = []
    sources = expand_sources([f"s3://{BUCKET}/cur/myreport"], tmp_path,
                             endpoint_url=moto_s3_endpoint, progress=messages.append)
    assert [s.name for s in sources] == _uris(keys)
    assert [m for m in messages if not m.startswith("downloading")] == []


def _local_versions(root: Path, keys: list[str], manifest: bytes | None = None) -> None:
    """Write ``keys`` under ``root`` with modification times rising in the order given."""
    for age, key in enumerate(keys):
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(key)
        os.utime(path, (1_700_000_000 + age * 60,) * 2)
    if manifest is not None:
        (root / MANIFEST_KEY).write_bytes(manifest)


@pytest.mark.parametrize("pattern", ["", "/**/*.csv.gz"], ids=["folder", "glob"])
def test_local_report_versions_follow_the_period_manifest(tmp_path: Path, pattern: str) -> None:
    root = tmp_path / "sync"
    _local_versions(root, _run_keys(FIRST_RUN) + _run_keys(SECOND_RUN), _manifest(FIRST_RUN))
    messages: list[str] = []
    sources = expand_sources([f"{root}{pattern}"], tmp_path / "work", progress=messages.append)
    assert _rel_names(sources, root) == _run_keys(FIRST_RUN)
    assert messages == []


@pytest.mark.parametrize(("manifest", "reason"), [
    (None, "no manifest"),
    (b"{}", "an unusable manifest (myreport-Manifest.json: no reportKeys)"),
    (b"not json", "an unusable manifest (myreport-Manifest.json: no reportKeys)"),
    (_manifest("1111-deleted-run"), "a manifest that lists none of their files"),
])
def test_local_report_versions_without_usable_manifest_keep_the_newest(
    tmp_path: Path, manifest: bytes | None, reason: str
) -> None:
    root = tmp_path / "sync"
    _local_versions(root, [NEXT_PERIOD_KEY, *_run_keys(FIRST_RUN), *_run_keys(SECOND_RUN)],
                    manifest)
    messages: list[str] = []
    sources = expand_sources([str(root)], tmp_path / "work", progress=messages.append)
    assert _rel_names(sources, root) == [*_run_keys(SECOND_RUN), NEXT_PERIOD_KEY]
    assert messages == [_newest_warning(str(root / PERIOD), reason)]


@pytest.mark.parametrize("keys", [_run_keys(SECOND_RUN), DIRECT_KEYS],
                         ids=["one-version", "parts-in-period-folder"])
def test_local_single_report_version_is_kept_whole(tmp_path: Path, keys: list[str]) -> None:
    root = tmp_path / "sync"
    _local_versions(root, keys, b"{}")
    messages: list[str] = []
    sources = expand_sources([str(root)], tmp_path / "work", progress=messages.append)
    assert _rel_names(sources, root) == keys
    assert messages == []


def test_cli_ingests_from_s3_and_report_matches_local_file(s3_client, moto_s3_endpoint,
                                                           tmp_path):
    """End to end: `ccf-py ingest aws-cur s3://...` against the local S3 server."""
    import csv as _csv
    import io
    import subprocess
    import sys

    s3_client.create_bucket(Bucket="cur-bucket")
    key = "cur/myreport/20231101-20231201/20231102T000000Z/myreport-00001.csv.gz"
    s3_client.upload_file(str(FIXTURES / "aws_cur_legacy_sample.csv.gz"), "cur-bucket", key)
    env = {**os.environ, "CCF_PY_S3_ENDPOINT_URL": moto_s3_endpoint}
    cmd = [sys.executable, "-m", "ccf_py.cli", "--db", str(tmp_path / "s3.duckdb")]
    r = subprocess.run(cmd + ["ingest", "aws-cur", "s3://cur-bucket/cur/myreport/"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "loaded 1281 rows" in r.stdout and "downloading s3://cur-bucket/" in r.stderr
    r = subprocess.run(cmd + ["report", "--by", "usage_class", "--format", "csv"],
                       capture_output=True, text=True, env=env, timeout=120)
    rows = list(_csv.DictReader(io.StringIO(r.stdout)))
    assert round(sum(float(x["cost"]) for x in rows), 2) == 1.68
    import duckdb

    con = duckdb.connect(str(tmp_path / "s3.duckdb"), read_only=True)
    try:
        files = con.execute("SELECT DISTINCT source_file FROM billed_lines").fetchall()
    finally:
        con.close()
    assert files == [("s3://cur-bucket/" + key,)]
