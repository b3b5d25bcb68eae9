"""One way to download a cloud object (S3, Cloud Storage, Azure Blob) to a local file.

The bytes land in ``<name>.part`` and are renamed only when complete, so an interrupted or
failed download never leaves a truncated file that a later run (or a user) could take for a
whole one; any failure is one :class:`~ccf_py.errors.SourceError` line naming the object.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path

from ccf_py.errors import SourceError


def download_via_part(uri: str, dest: Path, fetch: Callable[[Path], None],
                      client_errors: tuple[type[BaseException], ...],
                      reason: Callable[[BaseException], str]) -> Path:
    """``fetch(part)`` writes the object to ``part``; ``client_errors`` are the SDK's
    exceptions, told in one line by ``reason``. Returns ``dest``."""
    part = dest.with_name(dest.name + ".part")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fetch(part)
        os.replace(part, dest)
    except client_errors as exc:  # first: some SDK errors are OSErrors too (timeouts)
        raise SourceError(f"{uri}: {reason(exc)}") from None
    except OSError as exc:
        raise SourceError(f"{uri}: cannot write {dest}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
    return dest
