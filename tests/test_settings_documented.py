"""Every setting a trust can change is explained to users, with its default (datasette's habit)."""

from dataclasses import fields
from pathlib import Path

from analysis.schema import Settings

DOCS = Path(__file__).resolve().parent.parent / "docs" / "measures-and-status.md"


def test_every_setting_is_documented_with_its_default():
    text = DOCS.read_text()
    for field in fields(Settings):
        row = next((line for line in text.splitlines() if line.startswith(f"| `{field.name}` |")),
                   None)
        assert row is not None, f"{field.name} is not in the settings table of {DOCS.name}"
        assert f"| {field.default}" in row, f"{field.name}'s default {field.default} is not shown"
