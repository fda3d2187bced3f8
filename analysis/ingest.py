"""Read uploaded xlsx/csv files into the normalised frames, with every problem found at once.

`read_files` never raises for what a user uploads: a broken file, a missing column or a bad
cell becomes one row of `Upload.problems` (file, sheet, row as the spreadsheet numbers it,
column as the user wrote it, message). Things worth knowing that are not errors (a skipped
"Read me" sheet, dropped pupil-name columns) are `Upload.notices`, with the same columns.

Everything per cell is vectorised: a column is converted in one pass, or value by value over
its *distinct* values only (periods, year groups, grades), never row by row.

The steps, each in its own module: analysis.safety refuses dangerous files; analysis.readers
parses bytes into Arrow tables of text (fastexcel, pyarrow's CSV reader) on a worker thread,
one file ahead of the checks; analysis.raw_frames makes them raw sheets; analysis.sheets finds
each sheet's kind, header and columns; analysis.cells converts and checks each column;
analysis.upload_checks checks across rows and files; analysis.upload_log collects problems.
This module puts them together and keeps the public names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis import readers
from analysis.cells import BLANK_TOKENS  # noqa: F401 - part of this module's interface
from analysis.plausibility import implausible
from analysis.raw_frames import raw_frame
from analysis.schema import KINDS
from analysis.sheets import (  # noqa: F401 - HEADER_SEARCH_ROWS is part of this interface
    HEADER_ALIASES,
    HEADER_SEARCH_ROWS,
    Part,
    RawSheet,
    read_sheet_guarded,
)
from analysis.upload_checks import (  # noqa: F401 - check_references is part of this interface
    SOURCE_COLUMNS,
    check_duplicates,
    check_references,
    combine,
    remember_origin,
)
from analysis.upload_log import PROBLEM_COLUMNS, Log, one_problem, problem_table  # noqa: F401

# Tests and older callers know the header aliases by their old private name.
_HEADER_ALIASES = HEADER_ALIASES

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


def read_files(files: Iterable[tuple[str, bytes]]) -> Upload:
    """(name, bytes) per file -> Upload with frames (COLUMNS[kind]), problems, notices, files."""
    return read_parsed(readers.ParseAhead(files))


def read_paths(paths: Iterable[str | Path]) -> Upload:
    """Files (or folders of .xlsx/.csv files) on disk -> Upload, as read_files."""
    return read_parsed(readers.ParseAhead.on_disk(paths))


def read_parsed(parsing: readers.ParseAhead) -> Upload:
    """Files as analysis.readers parses them (on its thread, one file ahead of these checks)
    -> Upload. The command line starts the parse itself, to load pandas meanwhile."""
    log = Log()
    parts: dict[str, list[Part]] = {kind: [] for kind in KINDS}
    infos: list[FileInfo] = []
    for parsed in parsing:
        info = FileInfo(parsed.name, parsed.sha256, parsed.size)
        infos.append(info)
        try:
            for part in _parts(parsed, log):
                parts[part.kind].append(part)
                if part.kind not in info.kinds:
                    info.kinds.append(part.kind)
        except Exception as error:  # noqa: BLE001 - a file we cannot read is a problem, not a crash
            log.problem(parsed.name, None, None, None, f"{parsed.name} could not be read: {error}")
    frames: dict[str, pd.DataFrame] = {}
    sources: dict[str, pd.DataFrame] = {}
    headers: dict[tuple[str, str | None], dict[str, str]] = {}
    for kind in KINDS:
        if not parts[kind]:
            continue
        frame, source = combine(parts[kind])
        part_headers = {(p.file, p.sheet): p.headers for p in parts[kind]}
        headers.update(part_headers)
        check_duplicates(kind, frame, source, part_headers, log)
        remember_origin(frame, source, part_headers)
        frames[kind], sources[kind] = frame, source
    # Values each cell can hold but no school's data does (a 555% baseline, a visit in 1900):
    # after every kind is read, since a milestone's range is its target's measure's and the
    # date windows follow the periods of the whole upload.
    refused = implausible(frames, sources, headers)
    if len(refused):
        log.problems.append(refused)
    for path, why in parsing.unread:
        log.problem(path, None, None, None, why)
    return Upload(frames, problem_table(log.problems), problem_table(log.notices), infos, sources, headers)


def _parts(parsed: readers.ParsedFile, log: Log) -> Iterator[Part]:
    """The parts of each kind a parsed file holds, with the parse's problems logged first."""
    problems_before, recognised_before = len(log.problems), log.recognised
    parsed.notes.log_into(log)
    found_any = False
    for sheet in parsed.sheets:
        holder = RawSheet(raw_frame(parsed.name, sheet, log))
        if holder.frame is None:
            continue
        part = read_sheet_guarded(parsed.name, sheet.name, holder, log)
        if part is not None:
            found_any = True
            yield part
    if (parsed.kind == "workbook" and not found_any and len(log.problems) == problems_before
            and log.recognised == recognised_before):
        log.problem(parsed.name, None, None, None,
                    f"{parsed.name} holds no records we recognise; name each sheet after its kind "
                    f"({', '.join(KINDS)}) or use the template's headers")
