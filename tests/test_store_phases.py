"""The store's public phase hook: an import stopped at any phase of its transaction stores nothing."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.store import PHASES, Store
from tests.test_store import deployments_frame, pupils, schools_frame, targets_frame, visits_frame


@pytest.fixture
def base_upload(make_upload):
    return make_upload({"schools": schools_frame(), "deployments": deployments_frame(),
                        "targets": targets_frame(), "visits": visits_frame()}, "trust.xlsx")


class Stop(Exception):
    """Raised by the hook to stop an import where it stands."""


def snapshot(store: Store) -> tuple:
    data = store.load()
    return (store.counts(), store.history().drop(columns="created_at"), data.schools,
            data.measures, store.pupil_rows(with_history=True), store.version())


@pytest.mark.parametrize("phase", PHASES)
def test_an_import_stopped_at_each_phase_leaves_the_store_as_it_was(store, base_upload, make_upload,
                                                                     phase):
    store.import_upload(base_upload, "alice")
    store.import_upload(make_upload({"outcomes": pupils(12, exs=9)}, "a.csv"), "alice")
    before = snapshot(store)
    seen = []

    def stop_at(reached: str) -> None:
        seen.append(reached)
        if reached == phase:
            raise Stop(reached)

    stopping = Store(store.engine.url.render_as_string(hide_password=False), on_phase=stop_at)
    replacement = pd.concat([pupils(10, exs=1), pupils(6, urn="100002")], ignore_index=True)
    with pytest.raises(Stop):
        stopping.import_upload(make_upload({"outcomes": replacement}, "b.csv"), "bob")
    assert seen == list(PHASES[:PHASES.index(phase) + 1])
    after = snapshot(store)
    for old, new in zip(before, after, strict=True):
        if isinstance(old, pd.DataFrame):
            pd.testing.assert_frame_equal(new, old)
        else:
            assert new == old
    # The same import without the hook's stop goes through.
    stopping.on_phase = seen.append
    assert stopping.import_upload(make_upload({"outcomes": replacement}, "b.csv"), "bob").batch_id == 3
    assert seen[-4:] == list(PHASES)
    stopping.engine.dispose()
