"""Formatting helpers: CUR number style, timestamps, SKUs, region-prefixed usage types."""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
from decimal import ROUND_HALF_UP, Decimal

from ccf_py.demo_data.catalog import _REGIONS

_TEN_DP = Decimal("1E-10")
_CENT = Decimal("0.01")


def _dec(value: float, places: int = 6) -> Decimal:
    """A float drawn from the RNG as a Decimal with a fixed number of decimals."""
    return Decimal(f"{value:.{places}f}")


def _fmt(value: Decimal) -> str:
    """Format a number the way CUR CSV exports do (Java ``Double.toString``), max 10 decimals.

    Plain notation for 1e-3 <= |x| < 1e7 (always with a fractional part: ``24.0``), computerized
    scientific notation otherwise (``1.66667E-5``). Zero is ``0.0``.
    """
    q = value.quantize(_TEN_DP, rounding=ROUND_HALF_UP)
    if q == 0:
        return "0.0"
    mag = abs(q)
    if Decimal("0.001") <= mag < Decimal("1E7"):
        text = format(q.normalize(), "f")
        return text if "." in text else text + ".0"
    sign, digits, _ = q.normalize().as_tuple()
    mantissa = "".join(str(d) for d in digits)
    head, tail = mantissa[0], mantissa[1:] or "0"
    return f"{'-' if sign else ''}{head}.{tail}E{q.adjusted()}"


def _plain(value: Decimal) -> str:
    """Price as written in line-item descriptions: ``0.096``, ``0.00099``."""
    return format(value.normalize(), "f")


def _ts(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


@functools.lru_cache(maxsize=4096)
def _sku(*parts: str) -> str:
    digest = hashlib.sha1("|".join(parts).encode()).digest()
    return base64.b32encode(digest).decode()[:16]


def _usage_type(region: str, base: str) -> str:
    return _REGIONS[region].prefix + base


def _usage_type_always_prefixed(region: str, base: str) -> str:
    """EKS and Fargate usage types carry a region code even in us-east-1 (``USE1-...``)."""
    return f"{_REGIONS[region].short}-{base}"


def _parse_month(month: str) -> tuple[int, int]:
    try:
        year_text, month_text = month.split("-")
        year, mon = int(year_text), int(month_text)
    except ValueError as exc:
        raise ValueError(f"month must look like YYYY-MM, got {month!r}") from exc
    if not 1 <= mon <= 12 or len(year_text) != 4:
        raise ValueError(f"month must look like YYYY-MM, got {month!r}")
    return year, mon
