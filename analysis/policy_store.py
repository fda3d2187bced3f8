"""Migration 6 (issue 13; it follows the index migration, 5): the optional policy columns,
schools.rise_tier and rise_tier_start (the DfE's RISE support tier and its start date) and
targets.area (the Ofsted report-card evaluation area a target serves).

The store's first migration builds its tables from schema.COLUMNS as they are now, so a store
made by this version already has these columns; one made earlier gets them here. Either way the
migration only adds what is missing, and never touches a row.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

NEW_COLUMNS = [("schools", "rise_tier", "TEXT"), ("schools", "rise_tier_start", "DATE"),
               ("targets", "area", "TEXT")]


def migration_6(conn: Connection) -> None:
    """Add schools.rise_tier, schools.rise_tier_start and targets.area where they are missing."""
    inspector = sa.inspect(conn)
    for table, column, sql_type in NEW_COLUMNS:
        have = {c["name"] for c in inspector.get_columns(table)}
        if column not in have:
            conn.execute(sa.text(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {sql_type}'))
