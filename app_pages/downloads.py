"""Every file a page offers: templates, the backup, the governors' and trust packs, the audit log.

Not a page. Each file is made only when its button is pressed (a callable download). The
callable runs outside the page's run (no st.user there), so the person's scoped data and name
are taken while the page renders: a file can only ever hold what the page was allowed to show.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from analysis import board_pack, exports, pack, pack_html
from analysis.text import lit
from app_pages import identity
from app_pages.loads import (
    audit,
    current_scope,
    directory,
    get_store,
    require_administrator,
    school,
    settings,
    trust_rows,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "sample_data" / "templates"


def file_button(where, label: str, make, **options) -> None:
    """A download made when pressed (make: () -> bytes), in `where` (st or a column).

    The click does not rerun the page (on_click="ignore"): a rerun registers the button's file
    under a new id and drops the old one, so a click whose rerun arrived first asked for a file
    that was gone ("Deferred file ... not found": the flaky governor download on a busy machine).
    """
    where.download_button(label, make, on_click="ignore", **options)


def audited_csv(table: pd.DataFrame):
    """The audit log as a callable CSV download (formula-safe); the export is a line in the log."""
    who = identity.who()

    def csv() -> bytes:
        audit("audit_export", f"{len(table)} lines", who=who)
        return exports.to_csv_bytes(table)
    return csv


def template_downloads() -> None:
    """Blank templates that match docs/formats.md: the workbook and one CSV per record kind."""
    workbook = TEMPLATES / "impact_template.xlsx"
    st.download_button(
        "Template workbook (all sheets)", workbook.read_bytes(), file_name=workbook.name,
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key="template_workbook",
    )
    for path in sorted(TEMPLATES.glob("*.csv")):
        st.download_button(
            f"{lit(path.stem)} (CSV)", path.read_bytes(), file_name=path.name, mime="text/csv",
            key=f"template_{path.stem}",
        )


def backup_bytes():
    """The whole store as one file, made only when the button is pressed: a callable download,
    checked and attributed now, while the page runs as the signed-in person."""
    import tempfile

    require_administrator("download a backup")
    who = identity.who()

    def backup() -> bytes:
        audit("download", "Backup of the whole store", who=who)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "backup.zip"
            get_store().export_backup(path)
            return path.read_bytes()
    return backup


def pack_downloads(urn: str | None = None, since: tuple | None = None,
                   board_meeting=None) -> None:
    """The governors' pack (one school, or trust-wide for the board) and the tables behind it."""
    if urn is None and not current_scope().trust_wide:
        return  # the trust pack is a trust-wide view: trust leader and administrator only
    if urn:  # one school's pack reads only that school's rows
        rows = school(urn)
        scoped = lambda: rows  # noqa: E731 - the page holds them already
    else:  # the whole scope's rows are read when a file is asked for, not on every render
        scoped = trust_rows()
    now = settings()
    who = identity.who()

    def pdf() -> bytes:
        audit("download", f"{stem}.pdf", urn, who=who)
        data, progress_now, summary_now = scoped()
        if urn:
            return pack.build_school_pack(data, now, urn, progress=progress_now,
                                          deployment_summary=summary_now, since=since)
        board_since = None
        if board_meeting is not None:  # what governors could see then, built when clicked
            from analysis.since import then_dataset

            board_since = (board_meeting, then_dataset(get_store(), data, board_meeting))
        return board_pack.build_board_pack(data, now, progress=progress_now,
                                           deployment_summary=summary_now, since=board_since)

    def packs_zip() -> bytes:
        audit("download", board_pack.ZIP_NAME, urn, who=who)
        data, progress_now, summary_now = scoped()
        return board_pack.build_school_packs_zip(data, now, progress=progress_now,
                                                 deployment_summary=summary_now)

    def tables(name: str) -> dict[str, pd.DataFrame]:
        audit("download", name, urn, who=who)
        data, progress_now, summary_now = scoped()
        return pack.pack_tables(data, now, urn, progress=progress_now,
                                deployment_summary=summary_now)

    def accessible_pack() -> bytes:
        audit("download", f"{stem}.html", urn, who=who)
        data, progress_now, summary_now = scoped()
        return pack_html.build_school_pack_html(data, now, urn, progress=progress_now,
                                                deployment_summary=summary_now).encode("utf-8")

    stem = f"governors-pack-{urn}" if urn else "trust-pack"
    # Two rows of two: four buttons in one row clipped their labels at 1400 px (issue 13).
    cols = [*st.columns(2), *st.columns(2)]
    file_button(
        cols[0], "Governors' pack (PDF)" if urn else "Trust pack for the board (PDF)", pdf,
        file_name=f"{stem}.pdf", mime="application/pdf", icon=":material/picture_as_pdf:",
        key=f"pack_pdf_{stem}", type="primary",
    )
    file_button(
        cols[1], "Tables behind the pack (XLSX)",
        lambda: exports.to_xlsx_bytes(tables(f"{stem}-tables.xlsx")),
        file_name=f"{stem}-tables.xlsx", icon=":material/table:", key=f"pack_xlsx_{stem}",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    file_button(
        cols[2], "Targets table (CSV)",
        lambda: exports.to_csv_bytes(tables(f"{stem}-targets.csv")["targets"]),
        file_name=f"{stem}-targets.csv", mime="text/csv", icon=":material/download:",
        key=f"pack_csv_{stem}",
    )
    if urn:  # the same pack as a web page: screen readers, magnifiers, phones (issue 12)
        file_button(
            cols[3], "Governors' pack (accessible HTML)", accessible_pack, file_name=f"{stem}.html",
            mime="text/html", icon=":material/accessibility:", key=f"pack_html_{stem}",
        )
    if not urn:
        clients = directory().schools
        schools = int((clients["role"].astype(str).str.lower() == "client").sum())
        file_button(
            cols[3], "Full packs for every school (ZIP)", packs_zip, file_name=board_pack.ZIP_NAME,
            mime="application/zip", icon=":material/folder_zip:", key="pack_zip",
            help=f"{schools:d} governors' packs, each with its charts and tables; the board's "
                 "PDF holds the summary and the exception schools only. Takes about a second "
                 "per school.")
