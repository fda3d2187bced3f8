"""Read uploaded xlsx/csv files into the normalised frames, with every problem found at once.

`read_files` never raises for what a user uploads: a broken file, a missing column or a bad
cell becomes one row of `Upload.problems` (file, sheet, row as the spreadsheet numbers it,
column as the user wrote it, message). Things worth knowing that are not errors (a skipped
"Read me" sheet, dropped pupil-name columns) are `Upload.notices`, with the same columns.

Everything per cell is vectorised: a column is converted in one pass, or value by value over
its *distinct* values only (periods, year groups, grades), never row by row.
"""

from __future__ import annotations

import hashlib
import re
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis import periods, readers
from analysis.numbers import read_numbers
from analysis.plausibility import implausible, implausible_milestones
from analysis.safety import check_file
from analysis.schema import (
    COLUMNS,
    FIELDS,
    KINDS,
    MEASURES,
    NATURAL_KEYS,
    NO_WORDS,
    PUPIL_IDENTIFYING,
    REQUIRED,
    SEND_WORDS,
    SHEET_ALIASES,
    SUBGROUP_WORDS,
    SUBGROUPS,
    TA_WORDS,
    YES_WORDS,
    Field,
    normalise_name,
)

PROBLEM_COLUMNS = ["file", "sheet", "row", "column", "message"]
SOURCE_COLUMNS = ["file", "sheet", "row"]
# MIS exports put title rows above the header: look this far down for it.
HEADER_SEARCH_ROWS = 20
# Only plain .xlsx: analysis.safety refuses macro-enabled, legacy and other spreadsheet formats.
EXCEL_EXTENSIONS = {".xlsx"}
# Cells that mean "nothing here" (after trimming spaces).
BLANK_TOKENS = ["", "-", "–", "—", "n/a", "N/A", "N/a", "#N/A", "null", "NULL"]
# Keys that must be unique within an upload, per kind (the natural keys of the data contract).
UNIQUE_KEYS = NATURAL_KEYS
_DATE_FORMATS = [
    "%Y-%m-%d %H:%M:%S",  # how an Excel date cell arrives from the reader
    "%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y",
    "%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "ISO8601",
]
_HEADER_ALIASES: dict[str, dict[str, str]] = {
    kind: {
        normalise_name(name): col
        for col, f in FIELDS[kind].items()
        for name in (col, *f.aliases)
    }
    for kind in KINDS
}
_SHEET_KINDS: dict[str, str] = {
    normalise_name(name): kind for kind in KINDS for name in (kind, *SHEET_ALIASES[kind])
}
_MEASURE_NAMES: dict[str, str] = {
    **{normalise_name(m.label): key for key, m in MEASURES.items()},
    **{normalise_name(key): key for key in MEASURES},
}
_SUBGROUP_NAMES = {**SUBGROUP_WORDS, **{normalise_name(s): s for s in SUBGROUPS}}


@dataclass
class FileInfo:
    """One uploaded file: its name, content hash, size in bytes and the kinds read from it."""

    name: str
    sha256: str
    size: int
    kinds: list[str] = field(default_factory=list)


@dataclass
class Upload:
    """What the files held: frames per kind, problems (errors) and notices, and the files."""

    frames: dict[str, pd.DataFrame]
    problems: pd.DataFrame
    notices: pd.DataFrame
    files: list[FileInfo]
    # Per kind, aligned with the frame's rows: file, sheet, row where each row came from.
    sources: dict[str, pd.DataFrame] = field(default_factory=dict)
    # (file, sheet) -> canonical column -> the header as the user wrote it.
    headers: dict[tuple[str, str | None], dict[str, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problems.empty

    def memory_bytes(self) -> int:
        """About how much memory the parsed upload holds: its frames and their sources."""
        parts = [*self.frames.values(), *self.sources.values(), self.problems, self.notices]
        # deep=False: a source's file name is one string shared by every row, not one per row.
        return int(sum(int(p.memory_usage(index=True, deep=False).sum()) for p in parts))

    def check_references(self, known: dict | None = None) -> pd.DataFrame:
        """Problems for references to schools, deployments or targets nobody has uploaded."""
        return check_references(self.frames, known)


# ---- where rows came from ------------------------------------------------------------------
# The store calls check_references(upload.frames, known) with the frames themselves, and its
# problems must still name file, sheet and row. The frames' columns are fixed by the contract,
# so the origin of each row is kept beside them, looked up by the frame object itself.
_ORIGINS: dict[int, tuple[weakref.ref, pd.DataFrame, dict]] = {}


def _remember_origin(frame: pd.DataFrame, sources: pd.DataFrame, headers: dict) -> None:
    for key in [k for k, (ref, _, _) in _ORIGINS.items() if ref() is None]:
        del _ORIGINS[key]
    _ORIGINS[id(frame)] = (weakref.ref(frame), sources, headers)
    # The sources of a 1M-row upload are ~60 MB: let them go with the frame, not at the next read.
    weakref.finalize(frame, _forget_origin, id(frame))


def _forget_origin(key: int) -> None:
    entry = _ORIGINS.get(key)
    if entry is not None and entry[0]() is None:  # not a newer frame that reuses the id
        del _ORIGINS[key]


def _origin_of(frame: pd.DataFrame) -> tuple[pd.DataFrame | None, dict]:
    entry = _ORIGINS.get(id(frame))
    if entry is None or entry[0]() is not frame or len(entry[1]) != len(frame):
        return None, {}
    return entry[1], entry[2]


# ---- collecting problems and notices -------------------------------------------------------

class _Log:
    """Problems and notices as they are found; one frame each at the end."""

    def __init__(self) -> None:
        self.problems: list[pd.DataFrame] = []
        self.notices: list[pd.DataFrame] = []
        self.recognised = 0  # sheets whose kind was recognised, rows or not

    def problem(self, file, sheet, row, column, message) -> None:
        self.problems.append(_one(file, sheet, row, column, message))

    def notice(self, file, sheet, message, column=None) -> None:
        self.notices.append(_one(file, sheet, None, column, message))

    def cell_problems(self, file, sheet, rows: np.ndarray, column: str, messages: pd.Series):
        """Many problems at once: one per row of `rows`, each with its message."""
        if len(rows):
            self.problems.append(pd.DataFrame({
                "file": file, "sheet": sheet, "row": pd.array(rows, dtype="Int64"),
                "column": column, "message": np.asarray(messages, dtype=object),
            }))


def _one(file, sheet, row, column, message) -> pd.DataFrame:
    return pd.DataFrame({"file": [file], "sheet": [sheet], "row": pd.array([row], dtype="Int64"),
                         "column": [column], "message": [message]})


def _table(parts: list[pd.DataFrame]) -> pd.DataFrame:
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


# ---- the public functions ------------------------------------------------------------------

def read_files(files: Iterable[tuple[str, bytes]]) -> Upload:
    """(name, bytes) per file -> Upload with frames (COLUMNS[kind]), problems, notices, files."""
    log = _Log()
    parts: dict[str, list[_Part]] = {kind: [] for kind in KINDS}
    infos: list[FileInfo] = []
    for name, data in files:
        name = str(name)
        data = bytes(data or b"")
        info = FileInfo(name, hashlib.sha256(data).hexdigest(), len(data))
        infos.append(info)
        # Refuse dangerous or disguised files (zip bombs, macros, DTDs, odd names) before parsing.
        refusal = check_file(name, data)
        if refusal:
            log.problem(name, None, None, None, refusal)
            continue
        try:
            for part in _read_file(name, data, log):
                parts[part.kind].append(part)
                if part.kind not in info.kinds:
                    info.kinds.append(part.kind)
        except Exception as error:  # noqa: BLE001 - a file we cannot read is a problem, not a crash
            log.problem(name, None, None, None, f"{name} could not be read: {error}")
    data = None  # the last file's bytes are not needed for the checks below
    frames: dict[str, pd.DataFrame] = {}
    sources: dict[str, pd.DataFrame] = {}
    headers: dict[tuple[str, str | None], dict[str, str]] = {}
    for kind in KINDS:
        if not parts[kind]:
            continue
        frame, source = _combine(parts[kind])
        part_headers = {(p.file, p.sheet): p.headers for p in parts[kind]}
        headers.update(part_headers)
        _check_duplicates(kind, frame, source, part_headers, log)
        _remember_origin(frame, source, part_headers)
        frames[kind], sources[kind] = frame, source
    # Values each cell can hold but no school's data does (a 555% baseline, a visit in 1900):
    # after every kind is read, since a milestone's range is its target's measure's and the
    # date windows follow the periods of the whole upload.
    refused = implausible(frames, sources, headers)
    if len(refused):
        log.problems.append(refused)
    return Upload(frames, _table(log.problems), _table(log.notices), infos, sources, headers)


def read_paths(paths: Iterable[str | Path]) -> Upload:
    """Files (or folders of .xlsx/.csv files) on disk -> Upload, as read_files."""
    missing: list[str] = []

    def files() -> Iterator[tuple[str, bytes]]:
        # One file's bytes at a time: each is let go once it is read (52 MB for 1M CSV rows).
        for path in map(Path, paths):
            if path.is_dir():
                found = sorted(p for p in path.iterdir()
                               if p.suffix.lower() in EXCEL_EXTENSIONS | {".csv"})
                for p in found:
                    yield p.name, p.read_bytes()
            elif path.is_file():
                yield path.name, path.read_bytes()
            else:
                missing.append(str(path))

    upload = read_files(files())
    if missing:
        extra = [_one(p, None, None, None, f"{p} was not found") for p in missing]
        upload.problems = _table([upload.problems, *extra])
    return upload


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
    log = _Log()
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
        source, headers = _origin_of(frame)
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
        source, headers = _origin_of(milestones)
        refused = implausible_milestones(milestones, stored_measures, source, headers)
        if len(refused):
            log.problems.append(refused)
    return _table(log.problems)


# ---- reading a file into raw sheets --------------------------------------------------------

@dataclass
class _Part:
    """One sheet read as one kind: its converted frame and where each row came from."""

    kind: str
    file: str
    sheet: str | None
    frame: pd.DataFrame
    rows: np.ndarray
    headers: dict[str, str]


def _read_file(name: str, data: bytes, log: _Log) -> Iterator[_Part]:
    """Sniff what the bytes are (not trusting the name), then read each sheet."""
    what = readers.what_is(name, data, log)
    if what == "workbook":
        yield from _read_workbook(name, data, log)
    elif what == "csv":
        holder = _Raw(readers.read_csv(name, data, log))
        if holder.frame is not None:
            part = _guarded(name, None, holder, log)
            if part is not None:
                yield part


def _read_workbook(name: str, data: bytes, log: _Log) -> Iterator[_Part]:
    """Every visible sheet of a workbook that holds records, as parts."""
    found_any = False
    problems_before, recognised_before = len(log.problems), log.recognised
    for sheet_name, raw in readers.workbook_sheets(name, data, log):
        holder, raw = _Raw(raw), None
        part = _guarded(name, sheet_name, holder, log)
        if part is not None:
            found_any = True
            yield part
    if (not found_any and len(log.problems) == problems_before
            and log.recognised == recognised_before):
        log.problem(name, None, None, None,
                    f"{name} holds no records we recognise; name each sheet after its kind "
                    f"({', '.join(KINDS)}) or use the template's headers")


# ---- one sheet: find the header, the kind, the columns -------------------------------------

@dataclass
class _Raw:
    """A raw sheet, held so that _read_sheet can let it go once its columns are taken out
    (at 1M rows the raw text is ~150 MB that the rest of the import does not need)."""

    frame: pd.DataFrame | None


def _guarded(file: str, sheet: str | None, holder: _Raw, log: _Log) -> _Part | None:
    try:
        return _read_sheet(file, sheet, holder, log)
    except Exception as error:  # noqa: BLE001 - a bug on odd input must not lose other files
        where = f"Sheet '{sheet}'" if sheet is not None else file
        log.problem(file, sheet, None, None, f"{where} could not be read: {error}")
        return None


def _kind_in_file_name(file: str) -> str | None:
    """'pupil_outcomes_autumn.csv' -> 'outcomes': the longest kind name inside the file name."""
    stem = normalise_name(Path(file).stem)
    hits = [(len(alias), kind) for alias, kind in _SHEET_KINDS.items() if alias in stem]
    return max(hits)[1] if hits else None


def _header_scores(cells: list[list[str]], kind: str) -> tuple[int, int, int]:
    """(columns matched, required columns matched, -row) of the best header row for a kind."""
    aliases = _HEADER_ALIASES[kind]
    best = (0, 0, 0)
    for i, row in enumerate(cells):
        matched = {aliases[c] for c in row if c in aliases}
        score = (len(matched), len(matched & set(REQUIRED[kind])), -i)
        best = max(best, score)
    return best


def _choose(file: str, sheet: str | None, cells: list[list[str]], log: _Log
            ) -> tuple[str, int] | None:
    """The sheet's kind and header row: its name first, else the columns it has."""
    scores = {kind: _header_scores(cells, kind) for kind in KINDS}
    complete = [k for k in KINDS if scores[k][1] == len(REQUIRED[k])]
    by_columns = max(KINDS, key=lambda k: (scores[k][0], scores[k][1], -KINDS.index(k)))
    where = f"Sheet '{sheet}'" if sheet is not None else file
    named = _SHEET_KINDS.get(normalise_name(sheet)) if sheet is not None else None
    if named is not None:
        if scores[named][0] == 0:
            expected = ", ".join(REQUIRED[named])
            log.problem(file, sheet, None, None,
                        f"{where} has no header row: none of its first {HEADER_SEARCH_ROWS} rows "
                        f"names the columns (expected {expected})")
            return None
        # A sheet named for one kind that plainly holds another: trust its columns.
        if (named not in complete and by_columns in complete
                and scores[by_columns][0] > scores[named][0]):
            log.notice(file, sheet, f"{where} is named like {named} but its columns are "
                       f"{by_columns}, so it was read as {by_columns}.")
            return by_columns, -scores[by_columns][2]
        return named, -scores[named][2]
    hinted = _kind_in_file_name(file) if sheet is None else None
    if hinted is not None and scores[hinted][0] >= 2:
        return hinted, -scores[hinted][2]
    if scores[by_columns][0] >= 2:
        return by_columns, -scores[by_columns][2]
    if sheet is None:
        log.problem(file, None, None, None,
                    f"{file}: could not tell what records these are; name the file after its "
                    f"kind (e.g. outcomes.csv) or use the template's headers")
    else:
        log.notice(file, sheet, f"{where} was skipped: it is not one of the record kinds "
                   f"({', '.join(KINDS)}).")
    return None


def _identifying(norm: str) -> str | None:
    """Which kind of pupil-identifying column a normalised header looks like, if any."""
    for what, parts in PUPIL_IDENTIFYING.items():
        if any(p in norm for p in parts):
            return what
    return None


_ONE_OF = {"pupil names": "a pupil name", "dates of birth": "a date of birth",
           "addresses": "an address", "contact details": "contact details"}


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _read_sheet(file: str, sheet: str | None, holder: _Raw, log: _Log) -> _Part | None:
    """A raw sheet of strings -> the part of one kind it holds, with its problems logged."""
    raw = holder.frame
    where = f"Sheet '{sheet}'" if sheet is not None else file
    raw.columns = range(raw.shape[1])
    if raw.shape[1] == 0 or not any(raw[c].notna().any() for c in raw.columns):
        log.notice(file, sheet, f"{where} is empty and was skipped.")
        return None
    head = raw.iloc[:HEADER_SEARCH_ROWS]
    cells = [[normalise_name(v) if isinstance(v, str) else "" for v in row]
             for row in head.itertuples(index=False)]
    chosen = _choose(file, sheet, cells, log)
    if chosen is None:
        return None
    kind, header_at = chosen
    log.recognised += 1
    header_row = header_at + 1  # as the spreadsheet numbers it

    # Map headers to columns. Pupil-identifying columns are dropped here, before any value
    # is copied out of the raw sheet.
    aliases = _HEADER_ALIASES[kind]
    keep: dict[int, str] = {}
    written: dict[str, str] = {}
    dropped: dict[str, list[str]] = {}
    ignored: list[str] = []
    for pos, cell in raw.iloc[header_at].items():
        if not isinstance(cell, str) or not cell.strip():
            continue
        text, norm = cell.strip(), normalise_name(cell)
        col = aliases.get(norm)
        if col is not None and col in written:
            log.problem(file, sheet, header_row, text,
                        f"Columns '{written[col]}' and '{text}' both mean {col}; keep one")
        elif col is not None:
            keep[pos], written[col] = col, text
        elif (what := _identifying(norm)) is not None:
            dropped.setdefault(what, []).append(text)
        else:
            ignored.append(text)
    for what, names in dropped.items():
        if len(names) == 1:
            look = f"Column {_quoted(names)} looks like {_ONE_OF[what]} and was dropped; it is"
        else:
            look = f"Columns {_quoted(names)} look like {what} and were dropped; they are"
        log.notice(file, sheet, f"{look} never stored.")
    if ignored:
        log.notice(file, sheet, f"{where}: column{'s' if len(ignored) > 1 else ''} "
                   f"{_quoted(ignored)} {'are' if len(ignored) > 1 else 'is'} not used and "
                   f"{'were' if len(ignored) > 1 else 'was'} ignored.")
    missing = [c for c in REQUIRED[kind] if c not in written]
    if missing:
        names = ", ".join(f"{FIELDS[kind][c].aliases[0]} ({c})" for c in missing)
        log.problem(file, sheet, header_row, None,
                    f"{where} is missing required column{'s' if len(missing) > 1 else ''}: "
                    f"{names}")

    # Each column as its distinct values (trimmed) and a code per row: every conversion below
    # then runs once per distinct value, and a 200,000-row sheet costs little more than a small one.
    # One column at a time, each taken out of the raw sheet as it is encoded, so that the raw
    # text and its codes are not both held whole.
    body_rows = max(len(raw) - header_at - 1, 0)
    del head
    columns = {col: _Column.of(raw.pop(pos).iloc[header_at + 1:]) for pos, col in keep.items()}
    del raw
    holder.frame = None
    if body_rows > 100_000:
        readers.release_memory()
    rows = np.arange(header_row + 1, header_row + 1 + body_rows)
    filled = np.zeros(body_rows, dtype=bool)
    for column in columns.values():
        filled |= column.present()
    if not filled.all():  # blank rows (and the blank tail some exports add) are not records
        rows = rows[filled]
        columns = {col: c.subset(filled) for col, c in columns.items()}
    if not len(rows):
        log.notice(file, sheet, f"{where} has a header but no rows.")
        return None

    converted = {}
    for col, spec in FIELDS[kind].items():
        if col in columns:
            converted[col] = _convert(spec, columns[col], written[col], file, sheet, rows, log)
        else:
            converted[col] = _empty(spec, len(rows))
    frame = pd.DataFrame(converted, copy=False)
    _check_rows(kind, frame, columns, written, file, sheet, rows, log)
    return _Part(kind, file, sheet, frame, rows, written)


# ---- one column: text -> typed values, bad cells -> problems --------------------------------

@dataclass
class _Column:
    """One column of a sheet: its distinct cell texts, and which one each row holds."""

    codes: np.ndarray  # per row: index into `values`, -1 for an empty cell
    values: pd.Series  # distinct texts, trimmed; NaN where the text means blank ('-', 'n/a')

    @classmethod
    def of(cls, cells: pd.Series) -> _Column:
        cells = cells.astype("str")
        chunks = getattr(cells.array, "_pa_array", None)
        if chunks is not None:
            # Arrow's dictionary encoding: int32 codes (half of pandas' int64), no Python
            # object per cell; the distinct values come out in order of first appearance.
            import pyarrow as pa
            import pyarrow.compute as pc

            # Over the chunks as they are (no combined copy): Arrow gives every chunk the same
            # dictionary, so the chunks' indices join up.
            encoded = pc.dictionary_encode(chunks)
            if encoded.num_chunks:
                codes = np.concatenate([c.indices.fill_null(-1).to_numpy(zero_copy_only=False)
                                        for c in encoded.chunks])
                dictionary = encoded.chunk(encoded.num_chunks - 1).dictionary
            else:
                codes, dictionary = np.zeros(0, dtype=np.int32), pa.array([], pa.large_string())
            uniques = pd.arrays.ArrowStringArray(dictionary, dtype=cells.dtype)
        else:  # pragma: no cover - the readers always give Arrow strings
            codes, uniques = pd.factorize(cells)
        values = pd.Series(uniques, dtype="str").str.strip()
        return cls(codes, values.mask(values.isin(BLANK_TOKENS)))

    def subset(self, keep: np.ndarray) -> _Column:
        return _Column(self.codes[keep], self.values)

    def present(self) -> np.ndarray:
        """Per row: does the cell hold anything?"""
        return _expand(self.values.notna().to_numpy(), self.codes, False)

    def rows_text(self) -> pd.Series:
        """Per row: the cell's trimmed text (for messages)."""
        return _take(self.values, self.codes)


def _expand(per_value: np.ndarray, codes: np.ndarray, empty) -> np.ndarray:
    """A numpy array with one entry per distinct value -> one per row (`empty` where blank)."""
    return np.append(per_value, np.array([empty], dtype=per_value.dtype))[codes]


def _take(per_value: pd.Series, codes: np.ndarray) -> pd.Series:
    """A Series with one entry per distinct value -> one per row, missing where blank."""
    return pd.Series(per_value.array.take(codes, allow_fill=True), copy=False)


def _each(values: pd.Series, fn: Callable[[str], object], dtype: str) -> pd.Series:
    """fn on each distinct non-blank text (None for blank) -> Series of dtype."""
    return pd.Series([None if pd.isna(v) else fn(v) for v in values], dtype=dtype)


def _empty(spec: Field, n: int) -> pd.Series:
    """A column the sheet does not have: its default, else missing, in the column's type."""
    if spec.default is not None:
        return pd.Series(pd.array([spec.default], dtype="str").take(np.zeros(n, dtype=np.intp)),
                         copy=False)
    dtype = {"yesno": "boolean", "number": "float64", "whole": "float64", "percent": "float64",
             "money": "float64", "grade": "float64", "date": "datetime64[ns]"}.get(spec.type, "str")
    # Built whole, not from a list of n Nones (a third of a second per column at 1M rows).
    return pd.Series(pd.array([None], dtype=dtype).take(np.zeros(n, dtype=np.intp)), copy=False)


def _convert(spec: Field, column: _Column, label: str, file, sheet, rows: np.ndarray,
             log: _Log) -> pd.Series:
    """One column's texts -> the column's type; every bad cell logged as a problem."""
    values = column.values
    has = values.notna().to_numpy()
    found: list[tuple[np.ndarray, pd.Series]] = []  # (bad distinct values, their messages)

    def bad(mask, what: str, quote: bool = True) -> None:
        mask = np.asarray(mask, dtype=bool) & has
        if mask.any():
            q = "'" if quote else ""
            found.append((mask, f"{label}: {q}" + values + f"{q} {what}"))

    kind = spec.type
    if kind in ("text", "id"):
        out = values
    elif kind == "urn":
        # Excel may hand a URN over as the number 123456.0.
        text = values.str.replace(r"\.0+$", "", regex=True)
        ok = text.str.fullmatch(r"\d{6}").fillna(False).to_numpy(dtype=bool)
        bad(~ok, "is not a 6-digit URN")
        out = text.where(ok)
    elif kind == "period":
        errors: dict[str, str] = {}

        def period(value: str) -> str | None:
            try:
                return periods.parse_period(value)
            except periods.PeriodError as error:
                errors[value] = str(error)
                return None

        out = _each(values, period, "str")
        # Every label read by a rule rather than written out gets a notice (issue 13), so
        # "2024/25 Autumn" being Autumn 2 is said, not silently assumed.
        for value in values.dropna().unique():
            rule = periods.reading_rule(value)
            if rule:
                log.notice(file, sheet, f"{label}: '{value}' was {rule}.", column=label)
        mask = has & out.isna().to_numpy()
        if mask.any():
            found.append((mask, f"{label}: " + values.map(errors).fillna("")))
    elif kind == "date":
        out = _parse_dates(values)
        bad(out.isna(), "is not a date; write it as dd/mm/yyyy")
    elif kind in ("number", "whole", "percent", "money"):
        out, separators = read_numbers(values, percent=kind == "percent", money=kind == "money")
        number = out.notna().to_numpy()
        wrong = separators.notna().to_numpy() & has
        if wrong.any():  # a decimal comma or a full stop grouping thousands: never rescaled
            found.append((wrong, f"{label}: " + separators.fillna("")))
        bad(~number & ~wrong, "is not a number")
        if kind == "whole":
            bad(number & (out % 1 != 0).to_numpy(), "is not a whole number")
        if kind == "percent" and number.any() and 0 < out.max() <= 1 \
                and not values.str.contains("%", regex=False).fillna(False).any():
            # Excel cells formatted as percentages hold fractions: 0.935 is 93.5%.
            out = out * 100
            log.notice(file, sheet, f"{label}: every value was between 0 and 1, so they were "
                       "read as fractions (0.935 = 93.5%).", column=label)
    elif kind == "yesno":
        out = _each(values, lambda v: True if normalise_name(v) in YES_WORDS
                    else False if normalise_name(v) in NO_WORDS else None, "boolean")
        bad(out.isna(), "is not Y or N (Yes/No, True/False, 1/0 also work)")
    elif kind == "send":
        out = _each(values, lambda v: SEND_WORDS.get(normalise_name(v)), "str")
        bad(out.isna(), "is not a SEND code; use N, K (SEN support) or E (EHC plan)")
    elif kind == "ta":
        out = _each(values, lambda v: TA_WORDS.get(normalise_name(v)), "str")
        bad(out.isna(), "is not a teacher assessment; use PKS, WTS, EXS or GDS")
    elif kind == "grade":
        out = _each(values, _grade, "float64")
        bad(out.isna(), "is not a grade; use 1 to 9 or U")
    elif kind == "year_group":
        out = _each(values, _year_group, "str")
        bad(out.isna(), "is not a year group; use R or 1 to 13")
    elif kind == "choice":
        names = {normalise_name(c): c for c in spec.choices} | dict(spec.values)
        out = _each(values, lambda v: names.get(normalise_name(v)), "str")
        bad(out.isna(), f"is not one of {', '.join(spec.choices)}")
    elif kind == "measure":
        out = _each(values, lambda v: _MEASURE_NAMES.get(normalise_name(v)), "str")
        bad(out.isna(), "is not a measure we know (e.g. reading_exs, attendance, eng_maths_4plus)")
    elif kind == "subgroup":
        out = _each(values, lambda v: _SUBGROUP_NAMES.get(normalise_name(v)), "str")
        bad(out.isna(), f"is not one of {', '.join(SUBGROUPS)}")
    else:  # pragma: no cover - a schema typo, not user input
        raise ValueError(f"unknown column type {kind!r}")

    codes = column.codes
    for mask, messages in found:
        at = _expand(mask, codes, False)
        log.cell_problems(file, sheet, rows[at], label,
                          messages.to_numpy(dtype=object)[codes[at]])
    result = _take(out.reset_index(drop=True), codes)
    present = column.present()
    if spec.required and not present.all():
        log.cell_problems(file, sheet, rows[~present], label,
                          _repeated([(f"{label} is blank", int((~present).sum()))]))
    elif spec.default is not None:
        result = result.where(present, spec.default)
    return result


def _grade(value: str) -> float | None:
    """'U' -> 0, '1'..'9' (and 4.5, '7.0') -> the number; anything else None."""
    text = value.strip().upper()
    if text == "U":
        return 0.0
    try:
        number = float(text)
    except ValueError:
        return None
    return number if 1 <= number <= 9 else None


def _year_group(value: str) -> str | None:
    """'R', 'Reception', 'Year 6', 'Y6', '6', '6.0' -> 'R' or '6'; None for anything else."""
    text = value.strip().lower()
    if re.fullmatch(r"\d+(\.0+)?", text):
        number = int(float(text))
    else:
        m = re.fullmatch(r"(?:year|yr|y|nc\s*year)?\s*(r|rec|reception|\d{1,2})", text)
        if not m:
            return None
        if not m.group(1).isdigit():
            return "R"
        number = int(m.group(1))
    return str(number) if 1 <= number <= 13 else None


def _parse_dates(values: pd.Series) -> pd.Series:
    """UK text dates, ISO dates, Excel date cells and Excel serial numbers -> datetime64[ns]."""
    text = values.astype(object)
    found = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in _DATE_FORMATS:
        todo = found.isna() & text.notna()
        if not todo.any():
            break
        found[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    # A date column exported as plain numbers: Excel counts days from 30/12/1899.
    todo = found.isna() & text.notna()
    serial = pd.to_numeric(text[todo], errors="coerce")
    serial = serial[serial.between(20000, 80000)]
    if len(serial):
        found[serial.index] = pd.Timestamp("1899-12-30") + pd.to_timedelta(serial, unit="D")
    return found.dt.normalize()


# ---- checks across columns and rows --------------------------------------------------------

def _check_rows(kind: str, frame: pd.DataFrame, columns: dict[str, _Column],
                written: dict[str, str], file, sheet, rows: np.ndarray, log: _Log) -> None:
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


def _repeated(runs: list[tuple[object, int]]) -> np.ndarray:
    """(value, count) runs -> one object array holding each value itself `count` times: one
    file name shared by a million rows, not (as np.full makes) a million copies of it."""
    out = np.empty(sum(n for _, n in runs), dtype=object)
    start = 0
    for value, n in runs:
        out[start:start + n] = value
        start += n
    return out


def _combine(parts: list[_Part]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Parts of one kind -> one frame of COLUMNS[kind] and its sources (file, sheet, row)."""
    if len(parts) == 1:
        frame = parts[0].frame
    else:
        frame = pd.concat([p.frame for p in parts], ignore_index=True)
        for col in frame.columns:  # concat may widen a type when one part's column was blank
            frame[col] = frame[col].astype(parts[0].frame[col].dtype)
    # object columns: a CSV's sheet stays None (pandas would otherwise read it as missing text)
    source = pd.DataFrame({
        "file": pd.Series(_repeated([(p.file, len(p.rows)) for p in parts]), dtype=object,
                          copy=False),
        "sheet": pd.Series(_repeated([(p.sheet, len(p.rows)) for p in parts]), dtype=object,
                           copy=False),
        "row": pd.array(np.concatenate([p.rows for p in parts]), dtype="Int64"),
    }, copy=False)
    if list(frame.columns) != COLUMNS[parts[0].kind]:  # selecting would copy every column
        frame = frame[COLUMNS[parts[0].kind]]
    return frame, source


def _check_duplicates(kind: str, frame: pd.DataFrame, source: pd.DataFrame,
                      headers: dict, log: _Log) -> None:
    """A key used twice (a deployment id, a pupil in one school and period) is a problem."""
    keys = UNIQUE_KEYS.get(kind)
    if not keys or frame.empty:
        return
    # A blank optional key (a visit's focus area) is part of the key, as the store keys it; a
    # blank required one is already a problem of its own.
    required = [k for k in keys if FIELDS[kind][k].required]
    complete = frame[required].notna().all(axis=1)
    repeat = (frame.duplicated(keys, keep="first") & complete).to_numpy()
    if not repeat.any():
        return
    # Vectorised, because a term's file uploaded twice makes every pupil row a duplicate.
    involved = frame.duplicated(keys, keep=False) & complete
    group = frame.loc[involved, keys].groupby(keys, sort=False, dropna=False).ngroup()
    first_of_group = pd.Series(group.index, index=group.index).groupby(group.to_numpy()).transform(
        "first")
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
