"""Checks across rows, sheets and files of an upload, all vectorised (column masks, groupbys):

- `check_rows`: rules between two columns of one row (attended <= possible, end after start);
- `combine` + `check_duplicates`: the parts of one kind made one frame, and a natural key
  (schema.NATURAL_KEYS) used twice named at both rows;
- `check_references`: URNs, deployments and targets nobody has uploaded or stored.

The store calls check_references with the frames alone, and its problems must still name file,
sheet and row: `remember_origin` keeps each frame's sources (file, sheet, row per row) beside it.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis import periods
from analysis.cells import Column, repeated
from analysis.factorize import group_codes
from analysis.plausibility import implausible_milestones
from analysis.schema import COLUMNS, FIELDS, NATURAL_KEYS
from analysis.upload_log import Log, problem_table

if TYPE_CHECKING:
    from analysis.sheets import Part

SOURCE_COLUMNS = ["file", "sheet", "row"]
# Keys that must be unique within an upload, per kind (the natural keys of the data contract).
UNIQUE_KEYS = NATURAL_KEYS
# The frames' columns are fixed by the contract, so the origin of each row is kept beside
# them, looked up by the frame object itself.
_ORIGINS: dict[int, tuple[weakref.ref, pd.DataFrame, dict]] = {}


def remember_origin(frame: pd.DataFrame, sources: pd.DataFrame, headers: dict) -> None:
    for key in [k for k, (ref, _, _) in _ORIGINS.items() if ref() is None]:
        del _ORIGINS[key]
    _ORIGINS[id(frame)] = (weakref.ref(frame), sources, headers)
    # The sources of a 1M-row upload are ~60 MB: let them go with the frame, not at the next read.
    weakref.finalize(frame, _forget_origin, id(frame))


def _forget_origin(key: int) -> None:
    entry = _ORIGINS.get(key)
    if entry is not None and entry[0]() is None:  # not a newer frame that reuses the id
        del _ORIGINS[key]


def origin_of(frame: pd.DataFrame) -> tuple[pd.DataFrame | None, dict]:
    entry = _ORIGINS.get(id(frame))
    if entry is None or entry[0]() is not frame or len(entry[1]) != len(frame):
        return None, {}
    return entry[1], entry[2]


def check_references(frames: dict[str, pd.DataFrame], known: dict | None = None) -> pd.DataFrame:
    """Problems (file, sheet, row, column, message) for URNs, deployments and targets unknown
    both to these frames and to `known` (sets: urns, deployment_ids, target_ids)."""
    known = known or {}
    frames = {k: v for k, v in (frames or {}).items() if v is not None}

    def ids(kind: str, col: str, key: str) -> set:
        have = set(known.get(key) or ())
        if kind in frames and col in frames[kind]:
            have |= set(frames[kind][col].dropna().astype(str))
        return have

    urns = ids("schools", "urn", "urns")
    deployments = ids("deployments", "deployment_id", "deployment_ids")
    targets = ids("targets", "target_id", "target_ids")
    school = "is not a school in this upload or already stored; add it to the schools sheet"
    deployment = "is not a deployment in this upload or already stored"
    target = "is not a target in this upload or already stored"
    checks = [
        ("deployments", "client_urn", urns, school), ("deployments", "home_urn", urns, school),
        ("targets", "client_urn", urns, school), ("targets", "deployment_id", deployments,
                                                   deployment),
        ("milestones", "target_id", targets, target), ("outcomes", "urn", urns, school),
        ("school_measures", "urn", urns, school), ("visits", "deployment_id", deployments,
                                                   deployment),
        ("inspections", "urn", urns, school),
    ]
    log = Log()
    for kind, col, have, words in checks:
        frame = frames.get(kind)
        if frame is None or col not in frame or frame.empty:
            continue
        values = frame[col]
        if isinstance(values.dtype, pd.StringDtype):
            # Compared in Arrow: astype(object) would make a Python string per pupil row. A
            # known id that is not text can never equal a text cell, as before.
            found_in = values.isin([h for h in have if isinstance(h, str)]).to_numpy(bool)
        else:
            found_in = values.astype(object).isin(have).to_numpy()
        bad = values.notna().to_numpy() & ~found_in
        if not bad.any():
            continue
        source, headers = origin_of(frame)
        if source is None:
            source = pd.DataFrame({"file": None, "sheet": None, "row": pd.NA},
                                  index=range(len(frame)))
        found = source[bad].assign(value=values[bad].astype(str).to_numpy())
        # One problem per unknown value per sheet: one wrong URN in 30,000 pupil rows is one
        # mistake, reported at its first row with a count of the rest.
        groups = found.groupby(["file", "sheet", "value"], dropna=False, sort=False)
        for (file, sheet, value), rows in groups:
            file = None if pd.isna(file) else file
            sheet = None if pd.isna(sheet) else sheet
            label = headers.get((file, sheet), {}).get(col, col)
            more = f" (and {len(rows) - 1} more rows)" if len(rows) > 1 else ""
            first = rows["row"].iloc[0]
            log.problem(file, sheet, None if pd.isna(first) else int(first), label,
                        f"{label}: {value} {words}{more}")
    # A milestone for a stored target (not in this upload) takes that target's measure's range.
    uploaded = (set(frames["targets"]["target_id"].dropna()) if "targets" in frames
                and "target_id" in frames["targets"] else set())
    stored_measures = {t: m for t, m in (known.get("target_measures") or {}).items()
                       if t not in uploaded}
    milestones = frames.get("milestones")
    if milestones is not None and not milestones.empty and stored_measures:
        source, headers = origin_of(milestones)
        refused = implausible_milestones(milestones, stored_measures, source, headers)
        if len(refused):
            log.problems.append(refused)
    return problem_table(log.problems)


def check_rows(kind: str, frame: pd.DataFrame, columns: dict[str, Column],
                written: dict[str, str], file, sheet, rows: np.ndarray, log: Log) -> None:
    """Rules between two columns of one row: attended <= possible, end after start, ..."""
    def shown(col: str) -> pd.Series:
        # Dates as a person writes them (an Excel date cell would read '2024-09-01 00:00:00').
        if frame[col].dtype.kind == "M":
            return frame[col].dt.strftime("%d/%m/%Y").astype("str")
        return columns[col].rows_text().astype("str")

    def rule(mask: pd.Series, col: str, other: str, what: str) -> None:
        mask = mask.fillna(False).to_numpy(dtype=bool)
        if mask.any():
            text, other_text = shown(col)[mask], shown(other)[mask]
            messages = f"{written[col]}: " + text + f" {what} {written[other]} (" + other_text + ")"
            log.cell_problems(file, sheet, rows[mask], written[col], messages)

    if kind == "outcomes" and {"sessions_attended", "sessions_possible"} <= columns.keys():
        rule(frame["sessions_attended"] > frame["sessions_possible"], "sessions_attended",
             "sessions_possible", "is more than")
    if kind == "deployments" and {"start_date", "end_date"} <= columns.keys():
        rule(frame["end_date"] < frame["start_date"], "end_date", "start_date", "is before")
    if kind == "targets" and {"baseline_period", "target_period"} <= columns.keys():
        both = frame["baseline_period"].notna() & frame["target_period"].notna()
        labels = pd.concat([frame["baseline_period"][both], frame["target_period"][both]])
        index = {p: periods.period_index(p) for p in labels.unique()}
        start = frame["baseline_period"].map(index).astype("float64")
        end = frame["target_period"].map(index).astype("float64")
        rule(both & (end <= start), "target_period", "baseline_period", "is not after")


def combine(parts: list[Part]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parts of one kind -> one frame of COLUMNS[kind] and its sources (file, sheet, row)."""
    if len(parts) == 1:
        frame = parts[0].frame
    else:
        frame = pd.concat([p.frame for p in parts], ignore_index=True)
        for col in frame.columns:  # concat may widen a type when one part's column was blank
            frame[col] = frame[col].astype(parts[0].frame[col].dtype)
    # object columns: a CSV's sheet stays None (pandas would otherwise read it as missing text)
    source = pd.DataFrame({
        "file": pd.Series(repeated([(p.file, len(p.rows)) for p in parts]), dtype=object,
                          copy=False),
        "sheet": pd.Series(repeated([(p.sheet, len(p.rows)) for p in parts]), dtype=object,
                           copy=False),
        "row": pd.array(np.concatenate([p.rows for p in parts]), dtype="Int64"),
    }, copy=False)
    if list(frame.columns) != COLUMNS[parts[0].kind]:  # selecting would copy every column
        frame = frame[COLUMNS[parts[0].kind]]
    return frame, source


def check_duplicates(kind: str, frame: pd.DataFrame, source: pd.DataFrame,
                      headers: dict, log: Log) -> None:
    """A key used twice (a deployment id, a pupil in one school and period) is a problem."""
    keys = UNIQUE_KEYS.get(kind)
    if not keys or frame.empty:
        return
    # A blank optional key (a visit's focus area) is part of the key, as the store keys it; a
    # blank required one is already a problem of its own.
    required = [k for k in keys if FIELDS[kind][k].required]
    complete = frame[required].notna().all(axis=1).to_numpy()
    # One integer per row for the whole key (Arrow codes, not a groupby over text columns).
    key = pd.Series(group_codes([frame[k] for k in keys]))
    repeat = key.duplicated(keep="first").to_numpy() & complete
    if not repeat.any():
        return
    # Vectorised, because a term's file uploaded twice makes every pupil row a duplicate.
    involved = np.flatnonzero(key.duplicated(keep=False).to_numpy() & complete)
    first_of_group = pd.Series(involved, index=involved).groupby(
        key.to_numpy()[involved]).transform("first")
    repeats = np.flatnonzero(repeat)
    first = first_of_group.loc[repeats].to_numpy()
    here, there = source.iloc[repeats].reset_index(drop=True), source.iloc[first].reset_index(
        drop=True)
    values = frame.iloc[repeats][keys].reset_index(drop=True)
    for key in keys:  # as a person writes them: dates dd/mm/yyyy, a blank as blank
        if values[key].dtype.kind == "M":
            values[key] = values[key].dt.strftime("%d/%m/%Y")
        values[key] = values[key].astype(object).where(values[key].notna(), "").astype("str")
    col = {"milestones": "target_id", "school_measures": "measure", "visits": "visit_date",
           "inspections": "inspection_date"}.get(kind, keys[-1])
    # The header as written in each repeated row's own sheet.
    parts = {(f, sh): headers.get((f, sh), {}).get(col, col) for f, sh in
             here[["file", "sheet"]].drop_duplicates().itertuples(index=False)}
    labels = pd.Series([parts[(f, sh)] for f, sh in zip(here["file"], here["sheet"],
                                                          strict=True)], dtype="str")
    if kind == "outcomes":
        what = ("'" + values["pupil_id"] + "' appears more than once for URN " + values["urn"]
                + " in " + values["period"])
    elif kind == "milestones":
        what = "'" + values["target_id"] + "' has more than one milestone for " + values["period"]
    elif kind == "school_measures":
        what = ("'" + values["measure"] + "' (" + values["subgroup"]
                + ") appears more than once for URN " + values["urn"] + " in " + values["period"])
    elif kind == "visits":
        focus = np.where(values["focus_area"] == "", "no focus area",
                         "focus '" + values["focus_area"] + "'")
        # Two half days on one day with one focus would otherwise become one half day.
        what = ("a second visit record for " + values["deployment_id"] + " on "
                + values["visit_date"] + " with " + focus + "; put them on one row with the "
                "days added together, or give each its own focus area")
    elif kind == "inspections":
        what = ("URN " + values["urn"] + " has more than one '" + values["area"]
                + "' judgement on " + values["inspection_date"])
    else:
        what = "'" + values[keys[0]] + "' appears more than once"
    elsewhere = ((here["file"] != there["file"])
                 | (here["sheet"].fillna("") != there["sheet"].fillna(""))).to_numpy()
    of_file = " of " + there["file"].astype("str")
    of_sheet = " of sheet '" + there["sheet"].fillna("").astype("str") + "' in " + there["file"]
    away = np.where(~elsewhere, "", np.where(there["sheet"].isna(), of_file, of_sheet))
    at = "row " + there["row"].astype("str") + away
    messages = labels + ": " + what + " (first at " + at + ")"
    problems = pd.DataFrame({"file": here["file"], "sheet": here["sheet"], "row": here["row"],
                             "column": labels.astype(object), "message": messages.astype(object)})
    log.problems.append(problems)
