"""Exceptions raised by the library. The CLI turns each into one line on stderr."""


class CcfError(Exception):
    """Base class: every error a user can cause or fix."""


class InputError(CcfError):
    """A billing file (or URI) that cannot be read as what it claims to be."""

    def __init__(self, source: str, message: str, row: int | None = None,
                 column: str | None = None, row_word: str = "line") -> None:
        self.source = source
        self.row = row
        self.column = column
        where = source
        if row is not None:
            where += f", {row_word} {row}"  # "line" of a text file, "row" of a Parquet file
        if column is not None:
            where += f", column {column!r}"
        super().__init__(f"{where}: {message}")


class MissingColumnError(InputError):
    """A required column is absent from a billing file."""


class CoefficientError(CcfError):
    """A coefficient table is malformed (missing source, duplicate key, bad value)."""


class ConfigError(CcfError):
    """Bad option value (unknown --by key, bad month, unknown methodology...)."""


class SourceError(CcfError):
    """A remote source (s3://...) could not be listed or fetched."""
