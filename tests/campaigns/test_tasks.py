"""The campaigns app's tasks: `tasks` imports the snapshot code, never the other way round (the
view's service queues the task), so the two modules form no import circle."""

from __future__ import annotations

import grimp


def test_snapshots_and_tasks_import_one_way_only():
    graph = grimp.build_graph("campaigns", "thuladmin")

    assert graph.chain_exists(importer="campaigns.tasks", imported="campaigns.snapshots")
    assert not graph.chain_exists(importer="campaigns.snapshots", imported="campaigns.tasks")
