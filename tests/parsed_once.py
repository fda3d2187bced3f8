"""The committed sample files (sample_data/) parsed once per test run, for tests where reading
them is set-up, not the point (importing the sample into a fresh store, say).

`read_paths(paths)` is `analysis.ingest.read_paths` for files under sample_data/: the first call
reads them (about 0.45 s for the sample workbook), later calls get their own deep copy of that
result, so a test that changes its upload changes no other test's. The key holds each file's
size and modification time, so a file rewritten during the run is read again. Any other path
(a file a test wrote) is read as usual. The ingest tests call ingest.read_paths themselves.
"""

from __future__ import annotations

import copy
from pathlib import Path

from analysis import ingest

SAMPLE_DATA = Path(__file__).resolve().parents[1] / "sample_data"
_PARSED: dict[tuple, ingest.Upload] = {}


def read_paths(paths) -> ingest.Upload:
    resolved = [Path(p).resolve() for p in paths]
    if not all(p.is_relative_to(SAMPLE_DATA) for p in resolved):
        return ingest.read_paths(list(paths))
    key = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in resolved)
    if key not in _PARSED:
        _PARSED[key] = ingest.read_paths(list(paths))
    return copy.deepcopy(_PARSED[key])
