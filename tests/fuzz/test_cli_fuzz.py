"""No command prints a traceback, and every exit status is 0, 1 or 2 (issue 22, "Done when").

Each command runs 1,000 fuzz inputs (:mod:`cli_fuzz`: mutated templates, files that are not
templates, bad flags, bad parameter files), in process, four shards a command. A traceback, the
catch-all's "internal error" line (an exception no command expected: a bug) or another exit status
fails the test with the argument list that caused it; a usage error (2) ends with one line from
``sagemaker-rollout``. ``plan`` runs mostly ``--offline``; without credentials (cleared here) the
others answer 2 without a network call. The slow tier (``make test-slow``).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from cli_fuzz import Fuzz

from sagemaker_rollout_tools.cli import main

# cfn-lint's rules and botocore's data are loaded once a worker, not once an input (tests/conftest.py):
# the commands run as before, without reading the same files a thousand times.
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("shared_cfnlint_rules", "shared_botocore_data")]

#: Inputs a command, and the shards they are split in (xdist spreads the shards).
INPUTS = 1000
SHARDS = 4
SEEDS = {"render": 1, "lint": 2, "plan": 3, "demo": 4, "migrate": 5, "history": 6}


@pytest.mark.parametrize("shard", range(SHARDS))
@pytest.mark.parametrize("command", sorted(SEEDS))
def test_no_command_prints_a_traceback(
    command: str,
    shard: int,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_SECURITY_TOKEN",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.chdir(tmp_path)
    fuzz = Fuzz(22_000 + 100 * SEEDS[command] + shard, tmp_path)
    statuses: Counter[int] = Counter()
    for argv in fuzz.stream(command, INPUTS // SHARDS):
        status = main(argv)
        captured = capsys.readouterr()
        context = f"sagemaker-rollout {' '.join(argv)}\n{captured.err[-1500:]}"
        assert status in (0, 1, 2), context
        for text in (captured.out, captured.err):
            assert "Traceback" not in text and "internal error" not in text, context
        if status == 2:
            lines = captured.err.strip().splitlines()
            assert lines and lines[-1].startswith("sagemaker-rollout"), context
        statuses[status] += 1
    assert sum(statuses.values()) == INPUTS // SHARDS
    print(f"{command} shard {shard}: exit statuses {dict(sorted(statuses.items()))}")
