"""inbox_sensor: uploaded Excel files are imported with the CLI's validation, moved aside, synced."""

from __future__ import annotations

from pipelines.manual import layout
from pipelines.orchestration.inbox import inbox_sensor
from pipelines.registry.integrations import add_integration
from pipelines.warehouse import connect
from tests.helpers import fill_template
from tests.orchestration.conftest import add_run, evaluate_sensor

GOOD = [
    ("02.01.2024 09:15:00", None, "Deposit", None, None, "EUR", "10000", None, None, "bank transfer", None),
    ("03.01.2024 10:00:00", None, "Trade", "EUR", "4000.5", "BTC", "0.123456789012345678", "EUR", "4", None, "T-1"),
]
BAD = [
    ("02.01.2024 09:15:00", None, "Deposit", None, None, "EUR", "10000", None, None, None, None),
    ("31.02.2024 10:00:00", None, "Teleport", "EUR", "-5", None, None, None, None, None, None),
]


def manual_rows(warehouse, integration_id):
    with connect(warehouse, read_only=True) as con:
        return con.execute(
            "SELECT count(*) FROM app.manual_transactions WHERE integration_id = ?", [integration_id]
        ).fetchone()[0]


def test_accepted_and_rejected_uploads(warehouse, tmp_path, instance, resources, repository_def):
    inbox = tmp_path / "inbox"
    with connect(warehouse) as con:
        add_integration(con, "basic", "Notes", "manual", integration_id="basic-notes")
    instance.add_dynamic_partitions("integrations", ["basic-notes"])
    (inbox / "pro-paper").mkdir(parents=True)
    (inbox / "basic-notes").mkdir()
    (inbox / "nobody").mkdir()
    fill_template(inbox / "pro-paper" / "january.xlsx", GOOD)
    fill_template(inbox / "basic-notes" / "broken.xlsx", BAD)
    fill_template(inbox / "nobody" / "lost.xlsx", GOOD)
    (inbox / "pro-paper" / "~$january.xlsx").write_bytes(b"excel lock file")

    result = evaluate_sensor(inbox_sensor, instance, resources, repository_def)

    (run,) = result.run_requests
    assert run.partition_key == "pro-paper" and run.tags["pipelines/trigger"] == "inbox"
    assert run.run_key == f"inbox:pro-paper:{next((inbox / 'pro-paper' / 'imported').glob('*.xlsx')).name}"
    assert manual_rows(warehouse, "pro-paper") == 2
    assert manual_rows(warehouse, "basic-notes") == 0  # one bad row: nothing from the file
    (imported,) = (inbox / "pro-paper" / "imported").glob("*.xlsx")
    assert imported.name.endswith("-january.xlsx")
    assert sorted(p.name for p in (inbox / "pro-paper").iterdir()) == ["imported", "~$january.xlsx"]
    (rejected,) = (inbox / "basic-notes" / "rejected").glob("*.xlsx")
    report = rejected.with_name(rejected.name + ".errors.txt").read_text().splitlines()
    assert len(report) >= 2 and any("Teleport" in line for line in report) and any("31.02.2024" in line for line in report)
    assert all(f"row {layout.HEADER_ROW + 2}" in line for line in report), report  # the second data row
    (lost,) = (inbox / "nobody" / "rejected").glob("*.xlsx")
    assert "unknown integration 'nobody'" in lost.with_name(lost.name + ".errors.txt").read_text()

    again = evaluate_sensor(inbox_sensor, instance, resources, repository_def)
    assert again.run_requests == [] and again.skip_message.startswith("no uploads in")


def test_same_file_again_imports_nothing_and_syncs_nothing(warehouse, tmp_path, instance, resources, repository_def):
    folder = tmp_path / "inbox" / "pro-paper"
    folder.mkdir(parents=True)
    fill_template(folder / "a.xlsx", GOOD)
    first = evaluate_sensor(inbox_sensor, instance, resources, repository_def)
    fill_template(folder / "a.xlsx", GOOD)
    second = evaluate_sensor(inbox_sensor, instance, resources, repository_def)
    assert manual_rows(warehouse, "pro-paper") == 2
    assert len(first.run_requests) == 1
    assert second.run_requests == [] and second.skip_message == "1 upload(s) handled, no new rows to sync"
    assert len(list((folder / "imported").glob("*a.xlsx"))) == 2  # both uploads kept, neither overwritten


def test_no_new_run_while_the_integration_syncs(tmp_path, instance, resources, repository_def):
    import dagster as dg

    folder = tmp_path / "inbox" / "pro-paper"
    folder.mkdir(parents=True)
    fill_template(folder / "a.xlsx", GOOD)
    add_run(instance, dg.DagsterRunStatus.QUEUED, {"dagster/partition": "pro-paper"})
    result = evaluate_sensor(inbox_sensor, instance, resources, repository_def)
    assert result.run_requests == [] and list((folder / "imported").glob("*.xlsx"))
