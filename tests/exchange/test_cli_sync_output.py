"""What a person sees of `pipelines sync` in a terminal: no Dagster warnings, one line per
integration, errors as sentences, and the documented exit codes (a real CLI process each time)."""

from __future__ import annotations

import subprocess
import sys

from pipelines.settings import PROJECT_ROOT


def pipelines(*args: str) -> subprocess.CompletedProcess:
    """The CLI in its own process (warnings filters and stderr as a user gets them); the environment
    (warehouse, key) is the test's, set by the `warehouse` fixture."""
    return subprocess.run([sys.executable, "-m", "pipelines.cli.main", *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=600)


def test_sync_prints_one_line_per_integration_and_no_warnings(warehouse, account, imitation, exchange):
    imitation.faults.delist("binance", "SOL/USDT")
    binance, kraken = exchange("binance"), exchange("kraken")
    # Nothing listens on port 9 (discard): this source fails.
    added = pipelines("bitcoin", "add", account, "Cold", "--address", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
                      "--esplora-url", "http://127.0.0.1:9")
    assert added.returncode == 0, added.stderr

    result = pipelines("sync", kraken, binance, f"{account}-cold")

    assert result.returncode == 1, result
    assert "Warning" not in result.stderr
    assert "━" not in result.stderr  # no progress bar drawn in full before the error
    lines = result.stdout.splitlines()
    assert f"{kraken}: matched" in lines
    (binance_line,) = [line for line in lines if line.startswith(f"{binance}: ")]
    assert binance_line.endswith(f"mismatched, run `pipelines balances --integration {binance} --mismatches`")
    assert int(binance_line.split()[1]) >= 2  # SOL and USDT at least
    assert lines[-1] == "2 of 3 integrations synced"
    (error,) = result.stderr.strip().splitlines()
    assert error.startswith(f"error: {account}-cold: ")
    assert "Connection refused" in error
    assert "pipelines." not in error and "Error:" not in error and "run " not in error


def test_rejected_input_exits_2_in_one_line_and_help_documents_exit_codes(warehouse):
    assert pipelines("init").returncode == 0
    result = pipelines("sync", "nobody-nothing")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "Warning" not in result.stderr
    help_text = pipelines("--help").stdout
    assert "exit codes" in help_text.lower()
    assert "2" in help_text and "rejected input" in help_text and "1" in help_text
