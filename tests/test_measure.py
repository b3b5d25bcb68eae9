"""ccf_py.measure: GPU energy through a fake NVML, CPU energy through a fake powercap tree.

No GPU (and no NVIDIA driver) exists on the test machines, so NVML is the stand-in of
tests/fake_nvml.py, put in ``sys.modules["pynvml"]`` (in-process) or on PYTHONPATH (CLI
subprocesses). RAPL is a powercap folder written in tmp_path. Only ``test_real_gpu`` touches
real NVML, and it skips (saying why) where NVML finds no GPU.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from ccf_py import coefficients
from ccf_py.measure import (
    COUNTER,
    RAPL,
    SAMPLING,
    UNMEASURED,
    energy_from_average_power,
    measure,
    track,
    trapezoid_joules,
)
from ccf_py.measure.footprint import footprint
from ccf_py.measure.session import Session
from tests.fake_nvml import NVML_ERROR_LIBRARY_NOT_FOUND, FakeGpu, FakeNvml

ROOT = Path(__file__).resolve().parent.parent
FAKE_DIR = Path(__file__).parent / "fake_pynvml"
J_PER_KWH = 3_600_000


class Clock:
    """Hand-driven time: each call returns the next value."""

    def __init__(self, *times: float) -> None:
        self.times = list(times)

    def __call__(self) -> float:
        return self.times.pop(0)


def session(fake: FakeNvml, clock: Clock, powercap: Path | None = None) -> Session:
    return Session(0.1, powercap or Path("/nonexistent-powercap"), clock=clock,
                   nvml_opener=lambda: (fake, len(fake.gpus)), poll_in_thread=False)


def run_polls(s: Session, polls: int) -> object:
    s.start()
    for _ in range(polls):
        s.poll()
    return s.stop()


def joules(device) -> float:
    return device.energy_kwh * J_PER_KWH


# --- formulas ---------------------------------------------------------------------------

def test_trapezoid_on_hand_made_samples():
    # 0-1 s: 100->200 W = 150 J; 1-3 s: 200 W = 400 J; 3-4 s: 200->0 W = 100 J
    assert trapezoid_joules([(0, 100), (1, 200), (3, 200), (4, 0)]) == 650.0
    assert trapezoid_joules([(5, 300)]) == 0.0


def test_average_power_formula_is_the_sql_macro():
    from ccf_py import db

    con = db.connect(":memory:")
    sql = con.execute("SELECT ccf_compute_kwh(8 * 36, 130, 130, 37)").fetchone()[0]
    assert energy_from_average_power(8, 36, 130) == pytest.approx(sql, rel=1e-12)
    assert sql == pytest.approx(37.44)


# Dodge et al. 2022, "Measuring the Carbon Intensity of AI in Cloud Instances", Table 2:
# (GPUs, hours, kWh in the table, mean W per GPU). The paper gives no per-GPU power column;
# the watts are its own kWh / (GPUs x hours), rounded to whole watts as listed in
# docs/landscape.md (Dodge section). The test therefore checks the formula and its units
# (W x GPU-hours -> kWh), within 5 % as the issue asks, not an independent measurement.
DODGE_TABLE_2 = {
    "BERT finetune": (4, 6, 3.1, 129),
    "BERT pretrain": (8, 36, 37.3, 130),
    "6B transformer (partial)": (256, 192, 13_812.4, 281),
    "ViT Huge": (4, 216, 237.6, 275),
    "DenseNet 201": (1, 0.4, 0.04, 100),
}


@pytest.mark.parametrize("model", sorted(DODGE_TABLE_2))
def test_dodge_2022_table_2(model):
    gpus, hours, kwh, watts = DODGE_TABLE_2[model]
    assert energy_from_average_power(gpus, hours, watts) == pytest.approx(kwh, rel=0.05)


# --- GPU paths, driven poll by poll -------------------------------------------------------

def test_counter_path_is_the_exact_delta():
    fake = FakeNvml([FakeGpu(counter_mj=[1_000, 4_000, 9_000, 9_000, 12_500])])
    res = run_polls(session(fake, Clock(0, 1, 2, 3, 4)), polls=3)
    (gpu,) = res.gpus
    assert gpu.method == COUNTER and gpu.complete
    assert gpu.energy_kwh == (12_500 - 1_000) / 1000 / J_PER_KWH
    assert fake.gpus[0].counter_reads == [1_000, 4_000, 9_000, 9_000, 12_500]
    assert gpu.model == "NVIDIA H100 80GB HBM3" and gpu.uuid.startswith("GPU-")
    assert "counter delta" in gpu.note and gpu.sample_interval_s == 0.1


def test_sampling_fallback_integrates_by_trapezoid():
    fake = FakeNvml([FakeGpu(name="Tesla T4", counter=False, power_w=[100, 200, 200, 0])])
    res = run_polls(session(fake, Clock(0, 1, 3, 4)), polls=2)
    (gpu,) = res.gpus
    assert gpu.method == SAMPLING and gpu.complete
    assert joules(gpu) == pytest.approx(650.0, rel=1e-12)  # as the hand-made samples above
    assert "power sampled every 0.1 s (4 samples), trapezoid" in gpu.note


def test_counter_reset_interval_comes_from_power_samples():
    # 1000 -> 9000 (8 J), then reset to 200 (interval 2-3 s: 100 W x 1 s), then +4 J
    fake = FakeNvml([FakeGpu(counter_mj=[1_000, 5_000, 9_000, 200, 4_200], power_w=100.0)])
    res = run_polls(session(fake, Clock(0, 1, 2, 3, 4)), polls=3)
    (gpu,) = res.gpus
    assert gpu.method == COUNTER and gpu.complete
    assert joules(gpu) == pytest.approx(8 + 100 + 4, rel=1e-12)
    assert "went down 1 time(s) (reset)" in gpu.note


def test_gpu_lost_mid_run_keeps_what_was_measured():
    # calls: start = counter, power (2); poll 1 = power, counter (4); poll 2: lost
    lost = FakeGpu(counter_mj=[1_000, 3_000, 50_000], lost_after_calls=4)
    fake = FakeNvml([lost, FakeGpu(counter_mj=[0, 10, 20, 30])])
    res = run_polls(session(fake, Clock(0, 1, 2, 3)), polls=2)
    gone, other = res.gpus
    assert gone.energy_kwh == 2.0 / J_PER_KWH and not gone.complete
    assert "GPU lost 2.0 s after the start (GPU is lost)" in gone.note
    assert other.energy_kwh == 0.030 / J_PER_KWH and other.complete


def test_several_gpus_each_with_its_method_and_none_silently_zero():
    fake = FakeNvml([FakeGpu(counter_mj=[0, 36_000]),
                     FakeGpu(name="Tesla T4", counter=False, power_w=70.0),
                     FakeGpu(name="Tesla K80", counter=False, power_w=None)])
    res = run_polls(session(fake, Clock(0, 2)), polls=0)
    assert [g.method for g in res.gpus] == [COUNTER, SAMPLING, UNMEASURED]
    assert [g.index for g in res.gpus] == [0, 1, 2]
    assert joules(res.gpus[0]) == pytest.approx(36.0)
    assert joules(res.gpus[1]) == pytest.approx(140.0)
    assert res.gpus[2].energy_kwh is None and not res.gpus[2].complete
    assert "no energy counter (Not Supported) and no power reading" in res.gpus[2].note
    assert res.energy_kwh * J_PER_KWH == pytest.approx(176.0)


# --- RAPL ---------------------------------------------------------------------------------

def write_zone(root: Path, name: str, label: str, energy: int, max_range: int) -> Path:
    zone = root / name
    zone.mkdir(parents=True, exist_ok=True)
    (zone / "name").write_text(label + "\n")
    (zone / "energy_uj").write_text(f"{energy}\n")
    (zone / "max_energy_range_uj").write_text(f"{max_range}\n")
    return zone


def test_rapl_packages_with_wrap(tmp_path):
    pkg0 = write_zone(tmp_path, "intel-rapl:0", "package-0", 900_000, 1_000_000)
    pkg1 = write_zone(tmp_path, "intel-rapl:1", "package-1", 10, 1_000_000)
    write_zone(tmp_path, "intel-rapl:0:0", "core", 0, 1_000_000)  # a sub-zone: not counted
    s = session(FakeNvml([]), Clock(0, 1, 2, 3), powercap=tmp_path)
    s.start()
    for e0, e1 in ((950_000, 1_010), (50_000, 2_010), (100_000, 3_010)):
        (pkg0 / "energy_uj").write_text(f"{e0}\n")
        (pkg1 / "energy_uj").write_text(f"{e1}\n")
        if e0 != 100_000:
            s.poll()
    res = s.stop()
    cpus = [d for d in res.devices if d.kind == "cpu"]
    assert [(c.model, c.method) for c in cpus] == [("package-0", RAPL), ("package-1", RAPL)]
    # +50,000; wrap: 1,000,000 - 950,000 + 50,000 = 100,000; +50,000
    assert cpus[0].energy_kwh * J_PER_KWH == pytest.approx(0.2, rel=1e-12)
    assert "wrapped 1 time(s)" in cpus[0].note
    assert cpus[1].energy_kwh * J_PER_KWH == pytest.approx(0.003, rel=1e-12)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file: no permission error")
def test_rapl_unreadable_is_said(tmp_path):
    zone = write_zone(tmp_path, "intel-rapl:0", "package-0", 1, 10)
    (zone / "energy_uj").chmod(0)
    res = run_polls(session(FakeNvml([]), Clock(0, 1), powercap=tmp_path), polls=0)
    assert res.devices == () and "not readable" in res.cpu_unavailable


# --- Python API -------------------------------------------------------------------------

@pytest.fixture
def fake_nvml(monkeypatch):
    def install(*gpus: FakeGpu, **kw) -> FakeNvml:
        fake = FakeNvml(list(gpus), **kw)
        monkeypatch.setitem(sys.modules, "pynvml", fake)
        return fake
    return install


def test_context_manager_sampling_constant_power(fake_nvml, tmp_path):
    fake_nvml(FakeGpu(counter=False, power_w=250.0))
    start = time.monotonic()
    with measure(region="us-east-1", tags={"run": "x"}, powercap_root=tmp_path) as m:
        time.sleep(0.5)
    elapsed = time.monotonic() - start
    (gpu,) = m.result.gpus
    assert gpu.method == SAMPLING and gpu.sample_interval_s == 0.1
    # constant power: the trapezoid integral is 250 W x the sampled span, which lies within
    # [0.5 s slept, the elapsed time seen here]
    assert 250 * 0.5 <= joules(gpu) <= 250 * elapsed
    assert joules(gpu) == pytest.approx(250 * m.result.duration_s, rel=1e-6)
    samples = int(gpu.note.split("(")[1].split(" ")[0])
    assert 0.5 / 0.1 * 0.5 <= samples <= elapsed / 0.1 + 2  # the thread did sample


def grid_row(provider: str, region: str) -> float:
    path = ROOT / "coefficients" / "grid_intensity.csv"
    with path.open(newline="") as fh:
        return next(float(r["gco2e_per_kwh"]) for r in csv.DictReader(fh)
                    if (r["provider"], r["region"]) == (provider, region))


def pue_row(provider: str) -> float:
    with (ROOT / "coefficients" / "pue.csv").open(newline="") as fh:
        return next(float(r["pue"]) for r in csv.DictReader(fh)
                    if (r["provider"], r["region"]) == (provider, "*"))


def test_footprint_operational_and_embodied():
    fake = FakeNvml([FakeGpu(counter_mj=[0, 3_600_000_000])])  # exactly 1 kWh
    res = run_polls(session(fake, Clock(0, 3600)), polls=0)
    fp = footprint(res, "aws", "us-east-1")
    assert res.energy_kwh == 1.0
    assert fp.operational_kg == pytest.approx(grid_row("aws", "us-east-1") * pue_row("aws")
                                              / 1000, rel=1e-12)
    if "accelerators" not in coefficients.SCHEMAS:  # the fallback until that table exists
        assert fp.embodied_kg is None
        assert fp.embodied_notes == ((0, "unknown (no accelerators coefficient table yet)"),)
    else:
        assert fp.embodied_kg is None or fp.embodied_kg > 0


def test_track_decorator_and_interrupt_stored(fake_nvml, tmp_path):
    fake_nvml(FakeGpu(counter=True, power_w=100.0))
    db = str(tmp_path / "m.duckdb")

    @track(region="eu-west-1", tags={"job": "t"}, db=db, powercap_root=tmp_path)
    def work(x: int) -> int:
        time.sleep(0.2)
        return x * 2

    assert work(21) == 42
    assert work.last_measurement.result.gpus[0].method == COUNTER
    with pytest.raises(KeyboardInterrupt), measure(db=db, powercap_root=tmp_path):
        raise KeyboardInterrupt
    con = duckdb.connect(db, read_only=True)
    rows = con.execute("SELECT command, complete, region, tags, energy_kwh FROM measurements "
                       "ORDER BY started_at").fetchall()
    assert rows[0][:3] == ("python:tests.test_measure.test_track_decorator_and_interrupt_"
                           "stored.<locals>.work", True, "eu-west-1")
    assert json.loads(rows[0][3]) == {"job": "t"}
    assert rows[0][4] * J_PER_KWH == pytest.approx(100 * 0.2, rel=0.5)  # 100 W, ~0.2 s
    assert rows[1][1] is False


def test_importing_never_touches_nvml():
    code = """
import sys
touched = []
class Poison:
    def __getattr__(self, name):
        touched.append(name)
        raise AssertionError("NVML touched at import: " + name)
sys.modules["pynvml"] = Poison()
import ccf_py, ccf_py.measure, ccf_py.api, ccf_py.cli
import ccf_py.measure.gpu, ccf_py.measure.command, ccf_py.measure.footprint
print("touched", touched)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=ROOT, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "touched []"


# --- the ccf-py measure command (real subprocesses) --------------------------------------

def cli_env(nvml: dict | None) -> dict:
    path = [str(ROOT)] if nvml is None else [str(FAKE_DIR), str(ROOT)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    if nvml is not None:
        env["CCF_FAKE_NVML"] = json.dumps(nvml)
    return env


def measure_cmd(tmp_path: Path, *args: str, child: str) -> list[str]:
    return [sys.executable, "-m", "ccf_py.cli", "--db", str(tmp_path / "m.duckdb"), "measure",
            "--powercap-root", str(tmp_path / "powercap"), *args, "--",
            sys.executable, "-c", child]


def ccf_measure(tmp_path: Path, *args: str, child: str, nvml: dict | None
                ) -> subprocess.CompletedProcess:
    return subprocess.run(measure_cmd(tmp_path, *args, child=child), capture_output=True,
                          text=True, env=cli_env(nvml), cwd=tmp_path, timeout=120,
                          stdin=subprocess.DEVNULL)


def stored(tmp_path: Path) -> list[dict]:
    con = duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True)
    cur = con.execute("SELECT * FROM measurements ORDER BY method, device_index")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


TWO_GPUS = {"gpus": [{"name": "NVIDIA A100-SXM4-40GB", "uuid": "GPU-a", "power_w": 300.0},
                     {"name": "Tesla T4", "uuid": "GPU-b", "counter": False,
                      "power_w": 250.0}]}


def test_cli_failing_command_passes_exit_code_and_stores(tmp_path):
    write_zone(tmp_path / "powercap", "intel-rapl:0", "package-0", 0, 10**12)
    r = ccf_measure(tmp_path, "--region", "us-east-1", "--tag", "team=ml", "--tag", "run=7",
                    "--resource-id", "i-0abc", child="import sys, time; time.sleep(0.5); "
                    "print('out'); sys.exit(3)", nvml=TWO_GPUS)
    assert r.returncode == 3, r.stderr
    assert r.stdout == "out\n"  # the command's stdout is its own; ours goes to stderr
    rows = stored(tmp_path)
    assert [(x["method"], x["device_model"]) for x in rows] == [
        ("nvml_energy_counter", "NVIDIA A100-SXM4-40GB"),
        ("nvml_power_sampling", "Tesla T4"), ("rapl", "package-0")]
    for x in rows:
        assert x["exit_code"] == 3 and x["complete"] is True
        assert (x["region"], x["provider"], x["resource_id"]) == ("us-east-1", "aws", "i-0abc")
        assert json.loads(x["tags"]) == {"run": "7", "team": "ml"}
        assert x["ended_at"] > x["started_at"] and x["sample_interval_s"] == 0.1
        assert "sys.exit(3)" in x["command"]
    counter, sampled = rows[0], rows[1]
    span = (sampled["ended_at"] - sampled["started_at"]).total_seconds()
    assert span >= 0.5
    # constant 250 W sampled: 250 W x the sampled span, which is inside the stored window
    assert 250 * 0.5 <= sampled["energy_kwh"] * J_PER_KWH <= 250 * span
    # the fake counter advances 300 W x elapsed since nvmlInit: the delta over the run
    assert 300 * 0.5 <= counter["energy_kwh"] * J_PER_KWH <= 300 * (span + 0.05)
    assert "kWh [nvml_power_sampling]" in r.stderr and "g/kWh x PUE" in r.stderr


@pytest.mark.parametrize("nvml,why", [
    ({"init_error": NVML_ERROR_LIBRARY_NOT_FOUND}, "NVML Shared Library Not Found"),
    ({"gpus": []}, "NVML found no GPU"),
    ("import-error", "nvidia-ml-py is not installed"),
])
def test_cli_without_nvml_runs_the_command_and_says_so_once(tmp_path, nvml, why):
    write_zone(tmp_path / "powercap", "intel-rapl:0", "package-0", 0, 10**12)
    env_nvml = nvml if isinstance(nvml, dict) else None
    cmd = measure_cmd(tmp_path, child="import sys; sys.exit(5)")
    env = cli_env(env_nvml)
    if nvml == "import-error":
        broken = tmp_path / "broken"
        broken.mkdir()
        (broken / "pynvml.py").write_text("raise ImportError('no pynvml here')\n")
        env["PYTHONPATH"] = os.pathsep.join([str(broken), str(ROOT)])
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path,
                       timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == 5, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if "no GPU energy" in ln]
    assert len(lines) == 1 and why in lines[0], r.stderr
    assert [x["method"] for x in stored(tmp_path)] == ["rapl"]  # RAPL still measured


def test_cli_ctrl_c_stores_partial_and_exits_130(tmp_path):
    child = "import time; print('ready', flush=True); time.sleep(60)"
    proc = subprocess.Popen(measure_cmd(tmp_path, child=child), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=cli_env(TWO_GPUS),
                            cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert proc.stdout.readline() == "ready\n"
    start = time.monotonic()
    proc.send_signal(signal.SIGINT)  # to the measure process only: it forwards to the child
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert time.monotonic() - start < 30  # the child stopped: it did not sleep its 60 s
    rows = stored(tmp_path)
    assert len(rows) == 2 and all(x["complete"] is False for x in rows)
    assert all(x["energy_kwh"] > 0 and x["exit_code"] == 130 for x in rows)
    assert "interrupted" in rows[0]["note"] and "interrupted" in err


def test_cli_unknown_region_runs_nothing_and_leaves_db(tmp_path):
    first = ccf_measure(tmp_path, child="pass", nvml=TWO_GPUS)
    assert first.returncode == 0, first.stderr
    db = tmp_path / "m.duckdb"
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    marker = tmp_path / "ran"
    r = ccf_measure(tmp_path, "--region", "nowhere-1",
                    child=f"open({str(marker)!r}, 'w').write('x')", nvml=TWO_GPUS)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "nowhere-1" in r.stderr and "aws" in r.stderr
    assert not marker.exists()
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_cli_bad_tag_is_a_usage_error(tmp_path):
    r = ccf_measure(tmp_path, "--tag", "novalue", child="pass", nvml=TWO_GPUS)
    assert r.returncode == 2 and "KEY=VALUE" in r.stderr
    assert not (tmp_path / "m.duckdb").exists()


# --- real NVML ----------------------------------------------------------------------------

def _real_gpu_reason() -> str | None:
    """None when real NVML finds a GPU, else why the test cannot run."""
    try:
        import pynvml
    except ImportError:
        return "nvidia-ml-py not installed"
    if isinstance(pynvml, FakeNvml):
        return "pynvml is the fake"
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        return f"NVML did not start: {exc}"
    try:
        return None if pynvml.nvmlDeviceGetCount() > 0 else "NVML found no GPU"
    finally:
        pynvml.nvmlShutdown()


REAL_GPU_SKIP = _real_gpu_reason()


@pytest.mark.skipif(REAL_GPU_SKIP is not None, reason=f"no real GPU: {REAL_GPU_SKIP}")
def test_real_gpu_energy_within_power_limit(tmp_path):
    import pynvml

    pynvml.nvmlInit()
    limits = [pynvml.nvmlDeviceGetEnforcedPowerLimit(pynvml.nvmlDeviceGetHandleByIndex(i))
              / 1000.0 for i in range(pynvml.nvmlDeviceGetCount())]
    pynvml.nvmlShutdown()
    start = time.monotonic()
    with measure(powercap_root=tmp_path) as m:
        _gpu_load(2.0)
    elapsed = time.monotonic() - start
    for gpu, limit in zip(m.result.gpus, limits, strict=True):
        assert gpu.method in (COUNTER, SAMPLING) and gpu.energy_kwh is not None
        assert 0 < joules(gpu) <= limit * elapsed * 1.05, (gpu, limit, elapsed)


def _gpu_load(seconds: float) -> None:
    """A matrix-multiply load where torch or cupy exists, else idle time (still bounded)."""
    try:
        import torch

        a = torch.randn(4096, 4096, device="cuda")
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            a = (a @ a).clamp_(-1, 1)
        torch.cuda.synchronize()
    except Exception:  # no torch / no CUDA build: the idle board is measured instead
        time.sleep(seconds)


def test_cli_nothing_measurable_says_so_and_stores_nothing(tmp_path):
    r = ccf_measure(tmp_path, child="import sys; sys.exit(0)",
                    nvml={"init_error": NVML_ERROR_LIBRARY_NOT_FOUND})  # no powercap folder
    assert r.returncode == 0, r.stderr
    assert "energy: nothing measured" in r.stderr and "0 kWh" not in r.stderr
    assert "nothing to store" in r.stderr and not (tmp_path / "m.duckdb").exists()


def test_a_command_that_does_not_exist_exits_127_as_a_shell(tmp_path):
    r = subprocess.run([sys.executable, "-m", "ccf_py.cli", "--db", str(tmp_path / "m.duckdb"),
                        "measure", "--", "no-such-command-xyz"], capture_output=True,
                       text=True, cwd=tmp_path, timeout=60)
    assert r.returncode == 127
    assert r.stderr.strip().count("\n") == 0 and "no-such-command-xyz: cannot run it" in r.stderr
