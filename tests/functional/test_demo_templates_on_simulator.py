"""The shipped templates whose story needs SageMaker's documented all-at-once bake.

``templates/ab-test.yaml`` and ``templates/serverless.yaml`` roll out all at once with
``WaitIntervalInSeconds`` and expect an alarm during the bake to roll the update back (developer
guide, "Use all at once traffic shifting": "If any alarms trip during the baking period, then an
auto-rollback initiates"). Both fail on 9389afc, whose simulator did not bake all-at-once updates
(issue 9, point 8).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sagemaker_rollout_tools.cli import main

# The shipped templates played end to end: the templates tier (`make test-slow`, run by CI).
pytestmark = pytest.mark.templates


@pytest.mark.parametrize("name", ["ab-test", "serverless"])
def test_demo_template_story_plays_as_expected(
    repo_root: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    # GIVEN a shipped template WHEN the demo plays its story on the simulator
    status = main(["demo", "--template", str(repo_root / "templates" / f"{name}.yaml"), "--quiet"])
    out = capsys.readouterr().out
    # THEN every step behaved as expected, including the alarm rollback of an all-at-once update,
    # the operator's abort in its bake and the smoke test failing it in its final bake
    assert status == 0, out
    assert "6 steps as expected" in out
