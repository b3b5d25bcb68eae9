"""Readers that turn billing exports (AWS CUR, ...) into rows in the local DuckDB database."""
