"""The suite's passing verdicts, remembered per integration: a sync with nothing new skips GX.

Importing great-expectations costs 4-9 s of a process (a profile of `pipelines sync` of a manual
integration with nothing new: 15 of 26 s), more than everything else such a sync does. The suite's
verdict on an integration depends only on the rows it reads and on the suite itself, and a pass stays
a pass as time goes on (its one clock-bound expectation, occurred_at <= now + 1 day, only widens).
So `transactions_quality` remembers, per integration, a fingerprint of the rows that passed
(`sql/reconciliation/quality_fingerprint.sql`) under the suite's version (a hash of the modules that
define it), and runs GX only for integrations whose rows differ from every remembered pass. Failures
are never remembered: they are validated again on every run.

The memory is a small JSON file beside the warehouse (`<warehouse>.quality.json`), replaced
atomically; concurrent runs may each drop the other's new entry, which only costs a validation.
It holds integration ids and hashes, nothing else of the warehouse. A lost or unreadable file only
means validating again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path

from pipelines.sqlfiles import sql


@cache
def suite_version() -> str:
    """Changes whenever the suite may judge differently: the code of the suite and of the labels
    (read once per process, as `sqlfiles.sql` reads its files)."""
    from pipelines import labels
    from pipelines.reconciliation import quality

    digest = hashlib.sha256()
    for module in (quality, labels):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(sql("reconciliation/quality_fingerprint").encode())
    return digest.hexdigest()[:16]


def fingerprints(con, integration_ids: list[str]) -> dict[str, str]:
    return dict(con.execute(sql("reconciliation/quality_fingerprint"), {"integration_ids": integration_ids}).fetchall())


def memory_file(warehouse: str | Path) -> Path:
    path = Path(warehouse)
    return path.with_name(path.name + ".quality.json")


def remembered(warehouse: str | Path) -> tuple[dict[str, str], list[str]]:
    """(integration_id -> fingerprint of rows the current suite passed, the suite's expectation names)."""
    try:
        data = json.loads(memory_file(warehouse).read_text())
    except (OSError, ValueError):
        return {}, []
    if not isinstance(data, dict) or data.get("suite") != suite_version():
        return {}, []
    passed, names = data.get("passed"), data.get("expectations")
    if not isinstance(passed, dict) or not isinstance(names, list) or not names:
        return {}, []
    return {k: v for k, v in passed.items() if isinstance(v, str)}, [str(n) for n in names]


def remember(warehouse: str | Path, passed: dict[str, str], names: list[str]) -> None:
    """Add these passing fingerprints (replacing the integrations' older ones) and the suite's names."""
    if not passed:
        return
    target = memory_file(warehouse)
    data = {"suite": suite_version(), "expectations": names, "passed": {**remembered(warehouse)[0], **passed}}
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "w") as out:
            json.dump(data, out, sort_keys=True)
        os.replace(temporary, target)
    except OSError:
        Path(temporary).unlink(missing_ok=True)  # a memory not written only costs a validation later
