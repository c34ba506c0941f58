"""``sagemaker-rollout demo --registry-type``: a rollout longer than an hour through the registry type."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from sagemaker_rollout_tools.cli import main

# Whole demo stories (a three-hour rollout on the simulated clock each): the end-to-end tier that
# `make test-slow` runs (CI runs it after `make test`).
pytestmark = [pytest.mark.slow, pytest.mark.registry_type]

TIMESTAMP = re.compile(r"^\s+(\d+):(\d\d)\s")


def _seconds(line: str) -> int:
    match = TIMESTAMP.match(line)
    assert match, line
    return int(match.group(1)) * 60 + int(match.group(2))


@pytest.fixture(scope="module")
def timeline() -> tuple[int, str]:
    """One run of the story, its exit status and output (the story takes a few seconds)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        status = main(["demo", "--registry-type"])
    return status, buffer.getvalue()


def test_registry_story_exits_zero_with_three_expected_steps(timeline: tuple[int, str]) -> None:
    """GIVEN --registry-type WHEN the demo runs THEN create, the linear update and delete each behave
    as the story says, through the type's create, update and delete handlers."""
    status, out = timeline
    assert status == 0, out
    assert out.count("=> as expected") == 3
    for number, title in ((1, "create"), (2, "linear update"), (3, "delete")):
        assert f"Step {number}/3  {title}" in out
    for action in ("CREATE", "UPDATE", "DELETE"):
        assert f"cfn         {action} Classifier -> " in out or f"cfn         {action} Classifier (" in out
    assert "UpdateEndpoint classifier -> " in out and "(Linear)" in out
    assert "DeleteEndpoint classifier" in out
    assert '"level"' not in out  # the handlers' own log lines stay out of the timeline


def test_registry_story_timeline_runs_beyond_an_hour_with_grouped_callbacks(
    timeline: tuple[int, str],
) -> None:
    """GIVEN the story's timeline WHEN its update is read THEN it ran more than 3600 s simulated, its
    IN_PROGRESS callbacks are grouped (a few lines, not one per callback), and the last line says a
    custom resource could not have carried it."""
    _, out = timeline
    lines = out.splitlines()
    update = lines[next(i for i, line in enumerate(lines) if line.startswith("Step 2/3")) :]
    update = update[: next(i for i, line in enumerate(update) if "=> " in line) + 1]
    stamped = [line for line in update if TIMESTAMP.match(line)]
    assert _seconds(stamped[-1]) - _seconds(stamped[0]) > 3600
    groups = [line for line in update if "callbacks" in line]
    assert 2 <= len(groups) <= 6, groups
    counts = [int(m.group(1)) for line in groups if (m := re.search(r"(\d+) x IN_PROGRESS", line))]
    assert counts and min(counts) >= 2  # grouped: several callbacks a line
    assert sum(counts) < 40  # the rollout timeline's callbacks (issue 23), not a poll a minute
    verdict = out.rstrip().splitlines()[-1]
    match = re.fullmatch(
        r"the update took (\d+) s \(\d+ min simulated\): it would not fit a custom resource's 3600 s "
        r"ServiceTimeout",
        verdict,
    )
    assert match, verdict
    assert int(match.group(1)) > 3600
    assert out.rstrip().splitlines()[-2].startswith("3 steps as expected in ")


def test_registry_story_json_reports_the_rollout_against_the_custom_resource_limit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """GIVEN --registry-type --json WHEN the demo runs THEN only the JSON document is printed, with
    each step's answer, the callbacks, the rollout's simulated seconds above 3600 and why a custom
    resource refuses the same properties."""
    status = main(["demo", "--registry-type", "--json"])
    out = capsys.readouterr().out
    assert status == 0, out
    document = json.loads(out)
    assert document["asExpected"] is True
    assert document["provider"] == "SageMakerRollout::SageMaker::Endpoint"
    assert [s["title"] for s in document["steps"]] == ["create", "linear update", "delete"]
    assert all(s["response"]["status"] == "SUCCESS" for s in document["steps"])
    assert document["rolloutSeconds"] > 3600
    assert document["simulatedSeconds"] >= document["rolloutSeconds"]
    assert document["customResourceLimitSeconds"] == 3600
    assert document["fitsCustomResource"] is False
    assert "3600 s time limit" in document["customResourceRefusal"]
    assert document["callbacks"]["linear update"] > 10
    assert document["verdict"].endswith("it would not fit a custom resource's 3600 s ServiceTimeout")


def test_registry_story_quiet_prints_only_steps_and_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN --registry-type --quiet WHEN the demo runs THEN no timeline line is printed, only the
    steps, their results, the summary and the verdict."""
    status = main(["demo", "--registry-type", "--quiet"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert not any(TIMESTAMP.match(line) for line in out.splitlines())
    assert out.count("=> as expected") == 3
    assert "ServiceTimeout" in out.rstrip().splitlines()[-1]


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--template", "templates/canary-with-alarms.yaml"], "--template"),
        (["--resource", "Classifier"], "--resource"),
        (["--parameter", "ModelVersion=v2"], "--parameter"),
    ],
)
def test_registry_type_with_a_template_is_refused_in_one_line(
    extra: list[str], named: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN --registry-type with --template (or --resource, --parameter) WHEN the demo starts THEN it
    exits 2 with one line saying the option plays its own story, and plays nothing."""
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    status = main(["demo", "--registry-type", *extra])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, lines
    assert "--registry-type plays its own story" in lines[0] and f"takes no {named}" in lines[0]


def test_demo_help_says_the_canary_is_the_default_story(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN the demo's help WHEN it is printed THEN the canary story is described as the default, a
    template's story as told from the template, and --registry-type is documented."""
    assert main(["demo", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "The default story" in out
    assert "the story is told from your template" in out
    assert "--registry-type" in out and "SageMakerRollout::SageMaker::Endpoint" in out


def test_registry_story_exits_one_when_the_update_fits_in_an_hour(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a story whose linear steps bake one minute each (the update fits in an hour)
    WHEN the demo runs THEN step 2 is NOT as expected, naming its duration, and the demo exits 1."""
    from sagemaker_rollout_testing.demo import registry_story

    monkeypatch.setattr(registry_story, "WAIT_SECONDS", 60)
    status = main(["demo", "--registry-type", "--quiet"])
    out = capsys.readouterr().out
    assert status == 1, out
    assert "=> NOT as expected" in out and "the update took only" in out
    assert "NOT as expected: step 2 (linear update)" in out
    assert "ServiceTimeout" not in out
