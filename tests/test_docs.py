"""The README and the code say the same things."""

from __future__ import annotations

import re
from pathlib import Path

from ccf_py.cli import main
from ccf_py.estimate import MODELS
from ccf_py.model import REPORT_KEYS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _commands(group, prefix=()):
    for name, cmd in group.commands.items():
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, (*prefix, name))
        else:
            yield " ".join((*prefix, name))


def test_readme_documents_every_command():
    commands = list(_commands(main))
    assert set(commands) >= {"ingest aws-cur", "report", "demo"}
    for c in commands:
        assert f"ccf-py {c}" in README, c


def test_readme_lists_every_report_key():
    for k in REPORT_KEYS:
        assert re.search(rf"\b{k}\b", README), k


def test_ci_runs_exactly_the_readme_test_command():
    blocks = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)
    test_cmd = next(b for b in blocks if "pytest" in b and "pip install" in b)
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == test_cmd.strip()


def test_every_sql_model_is_in_the_pipeline_and_vice_versa():
    files = {str(p.relative_to(ROOT / "queries")) for p in (ROOT / "queries").rglob("*.sql")}
    # queries/ingest/ holds queries sent to a provider's warehouse (BigQuery), not models
    files = {f for f in files if not f.startswith("ingest/")}
    models = {m for m, _ in MODELS}
    assert files - {"macros/energy.sql"} == models
