"""Indexes on the keys a school's page and pack read by (migration 5, issue 14).

A school's page reads only that school's rows: targets and deployments by client URN, measures,
school-level figures and inspections by URN, milestones by target, visits by deployment. Without
these indexes each of those reads scans the whole table, so its cost grows with the trust. Each
index leads with the key and ends with `superseded_by`, which every read filters on (IS NULL).
The pupil-row blocks and computed measures already have (urn, period) indexes (migration 1, 3).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

# index name -> (table, columns)
INDEXES: dict[str, tuple[str, tuple[str, ...]]] = {
    "ix_deployments_client": ("deployments", ("client_urn", "superseded_by")),
    "ix_targets_client": ("targets", ("client_urn", "superseded_by")),
    "ix_milestones_target": ("milestones", ("target_id", "superseded_by")),
    "ix_visits_deployment": ("visits", ("deployment_id", "superseded_by")),
    "ix_inspections_urn": ("inspections", ("urn", "superseded_by")),
    "ix_school_measures_urn": ("school_measures", ("urn", "period")),
}


def migration_5(conn: Connection) -> None:
    """Create the indexes (IF NOT EXISTS: SQLite and PostgreSQL both accept it)."""
    for name, (table, columns) in INDEXES.items():
        quoted = ", ".join(f'"{c}"' for c in columns)
        conn.execute(sa.text(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ({quoted})'))
