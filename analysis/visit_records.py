"""Visit records entered in the app and their quality assurance (issue 11).

A leader records a visit; the administrator checks it or returns it with a comment; the leader
fixes and resubmits. Every step is one batch of the upload history (analysis/app_batches.py):
the visit is a `visits` row like an uploaded one (so every page counts it at once), and its
state is a `visit_records` row (analysis/app_tables.py). A step replaces both rows, so the
replaced rows are the record's history (who, when, comment) and `Store.undo` steps back.

States: Awaiting QA (visits.qa_status Pending) -> Returned (still Pending: with the leader) ->
Awaiting QA -> Checked (visits.qa_status Checked). An uploaded visit Pending in its spreadsheet
is in the same queue; checking it here is a batch too (source "upload"); it is corrected in the
spreadsheet, not returned (docs/choices.md, issue 11).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa

from analysis.app_batches import APP_SOURCE, Change, current_rows, write_batch
from analysis.app_tables import VISIT_RECORDS
from analysis.deployments import agreed_focus_list, on_agreed_focus
from analysis.schema import PROGRESS_RATINGS
from analysis.store import KEYS, Store, StoreError, T
from analysis.store.connection import now as _now
from analysis.store.values import _tuples

AWAITING, RETURNED, CHECKED = "Awaiting QA", "Returned", "Checked"
STATES = [AWAITING, RETURNED, CHECKED]
SOMETHING_ELSE = "Something else"
OFF_FOCUS_WORDS = ("This counts as off focus: days spent on something other than the "
                   "deployment's agreed focus areas count towards deployment creep.")
NO_PUPIL_NAMES = ("Never name a pupil here: write “a Year 4 pupil” or “a group of "
                  "disadvantaged pupils”. Records are read across the trust and may be shown to governors.")
# Time spent, in half days: a visit is at least half a day and at most a week.
HALF_DAYS = [n / 2 for n in range(1, 11)]
FOLLOWUP_OUTCOMES = ["Done", "Carried forward"]
MAX_TEXT = 2000
RECORD_COLUMNS = [
    "record_id", "deployment_id", "visit_date", "focus_area", "state", "source", "recorded_by",
    "changed_by", "changed_at", "comment", "followup", "batch_id", "live", "days", "progress",
    "summary", "next_steps",
]


@dataclass
class VisitEntry:
    """What the leader's form holds: one visit (visits columns but qa_status) and the follow-up
    of the previous visit's next steps ({"visit_date", "next_steps", "outcome"} or None)."""

    deployment_id: str
    visit_date: dt.date
    days: float
    focus_area: str
    progress: str
    summary: str
    next_steps: str
    followup: dict | None = field(default=None)

    def cleaned(self) -> VisitEntry:
        return VisitEntry(str(self.deployment_id), _as_date(self.visit_date), float(self.days),
                          " ".join(str(self.focus_area or "").split()), str(self.progress),
                          str(self.summary or "").strip(), str(self.next_steps or "").strip(),
                          self.followup)


def _as_date(value) -> dt.date:
    return pd.Timestamp(value).date()


def _day(value) -> str:
    return pd.Timestamp(value).strftime("%d/%m/%Y")


def entry_problem(entry: VisitEntry, deployments: pd.DataFrame,
                  today: dt.date | None = None) -> str | None:
    """One sentence saying what the leader must put right, or None when the record can be saved.
    deployments: the ones this person may record visits for."""
    today = today or dt.date.today()
    match = deployments[deployments["deployment_id"].astype(str) == str(entry.deployment_id)]
    if match.empty:
        return "Choose one of your deployments."
    deployment = match.iloc[0]
    if entry.visit_date is None or pd.isna(entry.visit_date):
        return "Give the date of the visit."
    day = _as_date(entry.visit_date)
    if day > today:
        return f"The visit date {_day(day)} is in the future: record a visit once it has happened."
    start, end = deployment["start_date"], deployment["end_date"]
    if pd.notna(start) and day < _as_date(start):
        return (f"The visit date {_day(day)} is before this deployment started on "
                f"{_day(start)}.")
    if pd.notna(end) and day > _as_date(end):
        return (f"The visit date {_day(day)} is after this deployment ended on {_day(end)}: ask "
                "the administrator to extend its end date first.")
    if float(entry.days) not in HALF_DAYS:
        return "Time spent is in half days, from half a day to five days."
    if not entry.focus_area.strip():
        return "Say what the visit worked on: pick an agreed focus area, or write the other focus."
    if entry.progress not in PROGRESS_RATINGS:
        return "Give your own rating of progress: Green, Amber or Red."
    if not entry.summary.strip():
        return "Write a short summary of the visit."
    for name, text in [("summary", entry.summary), ("next steps", entry.next_steps),
                       ("focus", entry.focus_area)]:
        if len(text) > MAX_TEXT:
            return f"Keep the {name} under {MAX_TEXT:,} characters (it is {len(text):,})."
    if entry.followup and entry.followup.get("outcome") not in FOLLOWUP_OUTCOMES:
        return "Say whether the last visit's next steps were done or are carried forward."
    return None


def is_off_focus(focus_area: str, deployments: pd.DataFrame, deployment_id: str) -> bool:
    """Whether a focus typed or picked for this deployment counts as off focus (creep)."""
    match = deployments[deployments["deployment_id"].astype(str) == str(deployment_id)]
    return match.empty or not on_agreed_focus(focus_area, match.iloc[0]["focus_areas"])


def focus_choices(focus_areas: object) -> list[str]:
    """The form's focus options: the deployment's agreed focus areas, then 'Something else'."""
    return [*agreed_focus_list(focus_areas), SOMETHING_ELSE]


def last_next_steps(visits: pd.DataFrame, deployment_id: str,
                    before: dt.date | None = None, exclude: tuple | None = None) -> dict | None:
    """The latest visit of a deployment (before a date, leaving one key out) with next steps:
    {"visit_date": ISO date, "next_steps": text}, or None."""
    v = visits[visits["deployment_id"].astype(str) == str(deployment_id)].copy()
    v["visit_date"] = pd.to_datetime(v["visit_date"])
    v = v[v["next_steps"].notna() & (v["next_steps"].astype(str).str.strip() != "")
          & (v["next_steps"].astype(str) != "None")]
    if before is not None:
        v = v[v["visit_date"] < pd.Timestamp(before)]
    if exclude is not None:
        v = v[~((v["visit_date"] == pd.Timestamp(exclude[1])) & (v["focus_area"] == exclude[2]))]
    if v.empty:
        return None
    last = v.sort_values("visit_date", kind="stable").iloc[-1]
    return {"visit_date": last["visit_date"].date().isoformat(),
            "next_steps": str(last["next_steps"])}


# ---- reading ------------------------------------------------------------------------------------

def records(store: Store) -> pd.DataFrame:
    """Every visit record's current state (RECORD_COLUMNS). `live` is False when a later upload
    replaced its visits row by natural key (the spreadsheet's row counts instead)."""
    rows = current_rows(store, VISIT_RECORDS)
    if not rows:
        return pd.DataFrame(columns=RECORD_COLUMNS)
    frame = pd.DataFrame(rows, columns=[c.name for c in T[VISIT_RECORDS].columns])
    visits = T["visits"]
    with store._reading() as conn:
        written = conn.execute(sa.select(visits).where(
            visits.c.batch_id.in_([int(b) for b in frame["batch_id"].unique()]))).all()
    own = {(r.batch_id, r.deployment_id, str(r.visit_date), r.focus_area): r for r in written}
    details = []
    for rec in frame.itertuples():
        visit = own.get((rec.batch_id, rec.deployment_id, str(rec.visit_date), rec.focus_area))
        details.append({
            "live": visit is not None and visit.superseded_by is None,
            "days": None if visit is None else visit.days,
            "progress": None if visit is None else visit.progress,
            "summary": None if visit is None else visit.summary,
            "next_steps": None if visit is None else visit.next_steps,
        })
    out = pd.concat([frame.reset_index(drop=True), pd.DataFrame(details)], axis=1)
    out["visit_date"] = pd.to_datetime(out["visit_date"])
    out["followup"] = out["followup"].map(lambda s: json.loads(s) if isinstance(s, str) else None)
    return out[RECORD_COLUMNS]


def replaced_by_upload(store: Store, upload) -> pd.DataFrame:
    """The live app-entered records an upload's visits would replace by natural key
    (deployment_id, visit_date, focus_area, compared as the store compares them): RECORD_COLUMNS."""
    frame = upload.frames.get("visits") if upload is not None else None
    recs = records(store)
    if frame is None or frame.empty or recs.empty:
        return recs.iloc[0:0]
    recs = recs[recs["live"] & (recs["source"] == "app")]
    incoming = set(_tuples(frame, KEYS["visits"]))
    stored = _tuples(recs, KEYS["visits"])
    return recs[[k in incoming for k in stored]].reset_index(drop=True)


def replaced_table(recs: pd.DataFrame) -> pd.DataFrame:
    """Records as the upload preview lists them: date, deployment, focus, state, entered by."""
    return pd.DataFrame({
        "Date": pd.to_datetime(recs["visit_date"]).dt.strftime("%d/%m/%Y"),
        "Deployment": recs["deployment_id"], "Focus": recs["focus_area"],
        "Time (days)": recs["days"], "State": recs["state"], "Entered by": recs["recorded_by"],
    })


def record_history(store: Store, record_id: str) -> pd.DataFrame:
    """Every state a record has been in, oldest first: state, changed_by, changed_at, comment,
    batch_id (undone steps are gone from it, as from the data)."""
    rows = current_rows(store, VISIT_RECORDS, lambda t: t.c.record_id == record_id,
                        with_history=True)
    frame = pd.DataFrame(rows, columns=[c.name for c in T[VISIT_RECORDS].columns])
    return frame[["state", "changed_by", "changed_at", "comment", "batch_id", "focus_area",
                  "visit_date"]].reset_index(drop=True)


def qa_queue(visits: pd.DataFrame, deployments: pd.DataFrame,
             recs: pd.DataFrame) -> pd.DataFrame:
    """Visits awaiting QA, oldest first, each with its deployment's agreed focus: visits columns
    + leader_name, client_urn, focus_areas, off_focus, record_id, source, recorded_by, comment,
    followup.
    A record returned to its leader is not in the queue until it is resubmitted."""
    v = visits[visits["qa_status"].astype(str).str.lower() == "pending"].copy()
    v["visit_date"] = pd.to_datetime(v["visit_date"])
    context = deployments[["deployment_id", "leader_name", "client_urn", "focus_areas"]]
    v = v.merge(context, on="deployment_id", how="left")
    live = recs[recs["live"]] if not recs.empty else recs
    keyed = {(r.deployment_id, pd.Timestamp(r.visit_date), r.focus_area): r
             for r in live.itertuples()}
    found = [keyed.get((d, pd.Timestamp(t), f))
             for d, t, f in zip(v["deployment_id"], v["visit_date"], v["focus_area"], strict=True)]
    v["record_id"] = [None if r is None else r.record_id for r in found]
    v["state"] = [AWAITING if r is None else r.state for r in found]
    v["source"] = ["upload" if r is None else r.source for r in found]
    v["recorded_by"] = [None if r is None else r.recorded_by for r in found]
    v["comment"] = [None if r is None else r.comment for r in found]
    v["followup"] = [None if r is None else r.followup for r in found]
    v["off_focus"] = [not on_agreed_focus(f, a) for f, a in
                      zip(v["focus_area"], v["focus_areas"], strict=True)]
    v = v[v["state"] == AWAITING]
    return v.sort_values("visit_date", kind="stable").reset_index(drop=True)


# ---- the steps, each one batch --------------------------------------------------------------------

def _visit_row(entry: VisitEntry, qa_status: str) -> dict:
    return {"deployment_id": entry.deployment_id, "visit_date": entry.visit_date,
            "days": float(entry.days), "focus_area": entry.focus_area, "progress": entry.progress,
            "summary": entry.summary, "next_steps": entry.next_steps or None,
            "qa_status": qa_status}


def _record_row(record_id: str, entry_key: tuple, state: str, source: str, recorded_by: str,
                who: str, comment: str | None, followup: dict | None) -> dict:
    return {"record_id": record_id, "deployment_id": entry_key[0], "visit_date": entry_key[1],
            "focus_area": entry_key[2], "state": state, "source": source,
            "recorded_by": recorded_by, "changed_by": who, "changed_at": _now(),
            "comment": comment or None,
            "followup": json.dumps(followup) if followup else None}


def _current_visit(conn, key: tuple):
    visits = T["visits"]
    return conn.execute(sa.select(visits).where(
        visits.c.deployment_id == key[0], visits.c.visit_date == key[1],
        visits.c.focus_area == key[2], visits.c.superseded_by.is_(None))).first()


def _describe(entry: VisitEntry) -> str:
    days = {0.5: "half a day", 1.0: "1 day"}.get(entry.days, f"{entry.days:g} days")
    return f"{entry.deployment_id} on {_day(entry.visit_date)}, {days}, {entry.focus_area}"


def _refuse_clash(conn, key: tuple, own_row_id: int | None = None) -> None:
    clash = _current_visit(conn, key)
    if clash is not None and clash.row_id != own_row_id:
        raise StoreError(
            f"A visit to {key[0]} on {_day(key[1])} with the focus “{key[2]}” is already "
            "recorded. Open that record instead, or change the date or focus.")


def record_visit(store: Store, who: str, entry: VisitEntry, deployments: pd.DataFrame,
                 today: dt.date | None = None) -> tuple[int, str]:
    """A new visit record, awaiting QA: (batch, record_id). StoreError with the sentence if not
    valid or its natural key is taken."""
    entry = entry.cleaned()
    problem = entry_problem(entry, deployments, today)
    if problem:
        raise StoreError(problem)
    key = (entry.deployment_id, entry.visit_date, entry.focus_area)
    record_id = uuid.uuid4().hex[:12]
    change = Change()
    change.add("visits", _visit_row(entry, "Pending"))
    change.add(VISIT_RECORDS, _record_row(record_id, key, AWAITING, "app", who, who, None,
                                          entry.followup))
    batch = write_batch(store, who, f"visit record {APP_SOURCE}",
                        f"Visit record {_describe(entry)}: awaiting QA", change,
                        check=lambda conn: _refuse_clash(conn, key))
    return batch, record_id


def _current_record(conn, record_id: str):
    table = T[VISIT_RECORDS]
    row = conn.execute(sa.select(table).where(table.c.record_id == record_id,
                                              table.c.superseded_by.is_(None))).first()
    if row is None:
        raise StoreError("This visit record is no longer stored (its recording was undone).")
    return row


def _step(store: Store, who: str, record_id: str, allowed: set[str], state: str,
          comment: str | None, entry: VisitEntry | None = None,
          deployments: pd.DataFrame | None = None) -> int:
    """Move a record to `state` (from one of `allowed`), optionally with new contents."""
    with store._reading() as conn:
        rec = _current_record(conn, record_id)
        visit = _current_visit(conn, (rec.deployment_id, rec.visit_date, rec.focus_area))
    if visit is None or visit.batch_id != rec.batch_id:
        raise StoreError("A spreadsheet upload has replaced this visit record since; the "
                         "uploaded row counts now. Correct it in the spreadsheet.")
    if rec.state not in allowed:
        verb = {CHECKED: "checked", RETURNED: "returned", AWAITING: "resubmitted"}[state]
        raise StoreError(f"This visit record is {rec.state.lower()}, so it cannot be {verb} now.")
    if entry is None:
        entry = VisitEntry(visit.deployment_id, visit.visit_date, visit.days, visit.focus_area,
                           visit.progress, visit.summary or "", visit.next_steps or "",
                           json.loads(rec.followup) if rec.followup else None)
    else:
        entry = entry.cleaned()
        problem = entry_problem(entry, deployments)
        if problem:
            raise StoreError(problem)
    key = (entry.deployment_id, entry.visit_date, entry.focus_area)
    change = Change()
    change.replace("visits", visit.row_id)
    change.replace(VISIT_RECORDS, rec.row_id)
    change.add("visits", _visit_row(entry, "Checked" if state == CHECKED else "Pending"))
    change.add(VISIT_RECORDS, _record_row(record_id, key, state, rec.source, rec.recorded_by,
                                          who, comment, entry.followup))
    words = {CHECKED: "checked", RETURNED: "returned to the leader", AWAITING: "resubmitted"}
    summary = f"Visit record {_describe(entry)}: {words[state]}"
    if comment:
        summary += f" ({comment[:80]})"
    return write_batch(store, who, f"QA of a visit record {APP_SOURCE}"
                       if state != AWAITING else f"visit record {APP_SOURCE}", summary, change,
                       check=lambda conn: _refuse_clash(conn, key, visit.row_id))


def return_record(store: Store, who: str, record_id: str, comment: str) -> int:
    """The administrator sends a record back to its leader with a comment (required)."""
    if not str(comment or "").strip():
        raise StoreError("Say what the leader should put right: a returned record needs a "
                         "comment.")
    return _step(store, who, record_id, {AWAITING}, RETURNED, str(comment).strip())


def resubmit(store: Store, who: str, record_id: str, entry: VisitEntry,
             deployments: pd.DataFrame, comment: str | None = None) -> int:
    """The leader fixes a returned record and sends it back for QA."""
    return _step(store, who, record_id, {RETURNED}, AWAITING, (comment or "").strip() or None,
                 entry, deployments)


def check_record(store: Store, who: str, record_id: str | None = None,
                 visit_key: tuple | None = None) -> int:
    """The administrator checks a record: by record_id, or an uploaded Pending visit by its
    natural key (deployment_id, visit_date, focus_area)."""
    if record_id is not None:
        return _step(store, who, record_id, {AWAITING}, CHECKED, None)
    key = (str(visit_key[0]), _as_date(visit_key[1]), str(visit_key[2]))
    with store._reading() as conn:
        visit = _current_visit(conn, key)
    if visit is None or str(visit.qa_status).lower() != "pending":
        raise StoreError("This visit is no longer awaiting QA: reload the page.")
    entry = VisitEntry(visit.deployment_id, visit.visit_date, visit.days, visit.focus_area,
                       visit.progress, visit.summary or "", visit.next_steps or "")
    change = Change()
    change.replace("visits", visit.row_id)
    change.add("visits", _visit_row(entry, "Checked"))
    change.add(VISIT_RECORDS, _record_row(uuid.uuid4().hex[:12], key, CHECKED, "upload",
                                          f"upload {visit.batch_id}", who, None, None))
    return write_batch(store, who, f"QA of a visit record {APP_SOURCE}",
                       f"Visit record {_describe(entry)} (uploaded): checked", change)


def undo_record(store: Store, record_id: str) -> list[str]:
    """Undo every step of one record, newest first (its QA, its resubmissions, its recording):
    the store's own undo, which refuses (StoreError) if a later upload built on it."""
    steps = record_history(store, record_id)
    messages = []
    for batch in sorted(set(steps["batch_id"]), reverse=True):
        messages.append(store.undo(int(batch)))
    return messages
