"""The tables of work done in the app (migration 6): visit records' QA states, the agreed plan.

Each is a data table like the store's own: every row carries `batch_id` (the batch that wrote it)
and `superseded_by` (NULL while current), so a state change, an agreement or a correction is a
batch in the upload history, undone like an upload, emptied and backed up with everything else.
The store lists them in its METADATA and ALL_DATA_TABLES; this module imports nothing of the
store (the store imports it for its migration).

- `visit_records`: one row per state of a visit record (Awaiting QA, Returned, Checked): who
  changed it, when, with what comment. The visit itself is the `visits` row of the same batch;
  the superseded rows are the record's history.
- `target_plan`: the agreed plan. An `agreed` row per target when the action plan was agreed
  (the baseline plan: value and date then), a `changed` row for each later agreed change.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

VISIT_RECORDS, TARGET_PLAN = "visit_records", "target_plan"
APP_TABLES = [VISIT_RECORDS, TARGET_PLAN]
# The columns of target_plan that Dataset.target_plan carries (analysis/agreed_plan.py).
PLAN_COLUMNS = ["target_id", "client_urn", "kind", "agreed_on", "agreed_by", "target_value",
                "target_period", "from_value", "from_period"]


def define_tables(metadata: sa.MetaData) -> None:
    """Add the app's tables, as migration 6 creates them, to a MetaData."""
    sa.Table(
        VISIT_RECORDS, metadata,
        sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("record_id", sa.Text, nullable=False),  # the same through every state
        # The natural key of the record's visits row (analysis/store.py KEYS["visits"]).
        sa.Column("deployment_id", sa.Text, nullable=False),
        sa.Column("visit_date", sa.Date, nullable=False),
        sa.Column("focus_area", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),  # Awaiting QA / Returned / Checked
        sa.Column("source", sa.Text, nullable=False),  # app / upload (a QA of an uploaded row)
        sa.Column("recorded_by", sa.Text, nullable=False),  # who first entered it
        sa.Column("changed_by", sa.Text, nullable=False),  # who made this state change
        sa.Column("changed_at", sa.Text, nullable=False),  # ISO 8601 UTC
        sa.Column("comment", sa.Text, nullable=True),
        # JSON {"visit_date", "next_steps", "outcome"}: the previous visit's next steps followed up.
        sa.Column("followup", sa.Text, nullable=True),
        sa.Column("batch_id", sa.Integer, nullable=False),
        sa.Column("superseded_by", sa.Integer, nullable=True),
    )
    sa.Table(
        TARGET_PLAN, metadata,
        sa.Column("row_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("target_id", sa.Text, nullable=False),
        sa.Column("client_urn", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),  # agreed / changed
        sa.Column("agreed_on", sa.Date, nullable=False),  # e.g. the governing board's meeting
        sa.Column("agreed_by", sa.Text, nullable=False),  # e.g. "governors"
        sa.Column("target_value", sa.Float, nullable=True),  # the value and deadline then
        sa.Column("target_period", sa.Text, nullable=True),
        sa.Column("from_value", sa.Float, nullable=True),  # a change: what it was before
        sa.Column("from_period", sa.Text, nullable=True),
        sa.Column("recorded_by", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.Text, nullable=False),
        sa.Column("batch_id", sa.Integer, nullable=False),
        sa.Column("superseded_by", sa.Integer, nullable=True),
    )


def migration_6(conn: Connection) -> None:
    """Visit records' QA states and the agreed plan."""
    metadata = sa.MetaData()
    define_tables(metadata)
    metadata.create_all(conn)
