"""Rendering of report rows to text: tables (text, CSV, JSON, Markdown, HTML), monthly reports."""
