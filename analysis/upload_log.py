"""Problems and notices of an upload, collected as they are found and made one frame each.

A problem or notice is one row: file, sheet, row (as the spreadsheet numbers it; None for a
whole-file problem), column (as the user wrote it), message. `Log` gathers them from every
step of a read (analysis.readers, sheets, cells, upload_checks); `problem_table` makes the
frame `Upload.problems` / `Upload.notices` is.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PROBLEM_COLUMNS = ["file", "sheet", "row", "column", "message"]


class Log:
    """Problems and notices as they are found; one frame each at the end."""

    def __init__(self) -> None:
        self.problems: list[pd.DataFrame] = []
        self.notices: list[pd.DataFrame] = []
        self.recognised = 0  # sheets whose kind was recognised, rows or not

    def problem(self, file, sheet, row, column, message) -> None:
        self.problems.append(one_problem(file, sheet, row, column, message))

    def notice(self, file, sheet, message, column=None) -> None:
        self.notices.append(one_problem(file, sheet, None, column, message))

    def cell_problems(self, file, sheet, rows: np.ndarray, column: str, messages: pd.Series):
        """Many problems at once: one per row of `rows`, each with its message."""
        if len(rows):
            self.problems.append(pd.DataFrame({
                "file": file, "sheet": sheet, "row": pd.array(rows, dtype="Int64"),
                "column": column, "message": np.asarray(messages, dtype=object),
            }))


def one_problem(file, sheet, row, column, message) -> pd.DataFrame:
    return pd.DataFrame({"file": [file], "sheet": [sheet], "row": pd.array([row], dtype="Int64"),
                         "column": [column], "message": [message]})


def problem_table(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """file, sheet, row (Int64, None for whole-file problems), column, message."""
    if not parts:
        out = pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})
        out["row"] = out["row"].astype("Int64")
        return out
    out = pd.concat(parts, ignore_index=True)
    out = out.astype({"file": object, "sheet": object, "column": object, "message": object})
    # None, not NaN, for a CSV's sheet and a whole-file problem's column: it reads better.
    for col in ("file", "sheet", "column"):
        out[col] = out[col].where(out[col].notna(), None)
    out["row"] = out["row"].astype("Int64")
    return out[PROBLEM_COLUMNS]


def problem_lines(problems: pd.DataFrame) -> list[str]:
    """Each problem (or notice) as one line, `file, sheet, row R, column: message`: how the
    command line prints them and the upload page lists them."""
    lines = []
    for p in problems.to_dict("records"):
        where = [str(p.get("file") or "")]
        if p.get("sheet") is not None and not pd.isna(p.get("sheet")):
            where.append(str(p["sheet"]))
        if p.get("row") is not None and not pd.isna(p.get("row")):
            where.append(f"row {int(p['row'])}")
        message = str(p.get("message"))
        column = p.get("column")
        if column is not None and not pd.isna(column) and not message.startswith(f"{column}"):
            where.append(str(column))
        lines.append(f"{', '.join(w for w in where if w)}: {message}")
    return lines
