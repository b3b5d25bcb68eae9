"""The shared output of every `ccf-py compare` command (ccf_py.compare.render)."""

from __future__ import annotations

import csv
import io
import json

import pytest

from ccf_py.compare import SCENARIO_COLUMNS, Assumption, Comparison
from ccf_py.compare.render import notes_text, render_comparison
from ccf_py.errors import ConfigError

COMP = Comparison(
    kind="storage", columns=SCENARIO_COLUMNS,
    rows=(("s3-standard", 1.6467, 0.6242, 0.0951, 0.7193, 0.5, 0.9, 23.0),
          ("s3-glacier-deep-archive", 0.000959, 0.000364, 0.02, 0.020364, 0.01, 0.05, None)),
    assumptions=(Assumption("s3-glacier-deep-archive media", "tape (low: tape, high: HDD)",
                            "coefficients/storage_classes.csv: AWS re:Invent STG talk"),),
    notes=("Minimum storage duration of Deep Archive: 180 days.",),
    period="2026-10", basis="1 TB-month")


def test_csv_is_plain_with_full_precision():
    rows = list(csv.reader(io.StringIO(render_comparison(COMP, "csv"))))
    assert rows[0] == list(SCENARIO_COLUMNS)
    assert float(rows[2][1]) == 0.000959 and rows[2][7] == ""   # unknown cost: empty


def test_json_carries_rows_assumptions_and_notes():
    doc = json.loads(render_comparison(COMP, "json"))
    assert doc["rows"] == COMP.as_dicts()
    assert doc["assumptions"][0]["source"].startswith("coefficients/storage_classes.csv")
    assert doc["notes"] == list(COMP.notes) and doc["period"] == "2026-10"


@pytest.mark.parametrize("fmt", ["table", "md"])
def test_people_formats_show_assumptions_and_no_scientific_notation(fmt):
    text = render_comparison(COMP, fmt)
    assert "0.000959" in text and "e-04" not in text
    assert "unknown" in text  # a cost that is not known is said, not shown as 0
    assert "tape (low: tape, high: HDD) (source: coefficients/storage_classes.csv" in text
    assert "Minimum storage duration" in text


def test_notes_text_and_unknown_format():
    assert notes_text(COMP).splitlines()[0].startswith("s3-glacier-deep-archive media: tape")
    with pytest.raises(ConfigError, match="unknown format 'xml'"):
        render_comparison(COMP, "xml")
