"""``sagemaker-rollout demo --registry-type``: a rollout longer than an hour through the registry type,
an operator's abort and a failing smoke test."""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from sagemaker_rollout_testing.demo.registry_story import WAIT_SECONDS
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


def _section(out: str, number: int) -> str:
    """Step ``number``'s part of the timeline, from its title to its result line."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"Step {number}/5"))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("  => "))
    return "\n".join(lines[start : end + 1])


def test_registry_story_exits_zero_with_five_expected_steps(timeline: tuple[int, str]) -> None:
    """GIVEN --registry-type WHEN the demo runs THEN create, the linear update, the operator's abort,
    the failing smoke test and delete each behave as the story says, through the type's create,
    update and delete handlers."""
    status, out = timeline
    assert status == 0, out
    assert out.count("=> as expected") == 5
    titles = ("create", "linear update", "operator abort", "smoke test", "delete")
    for number, title in enumerate(titles, 1):
        assert f"Step {number}/5  {title}" in out
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
    update = lines[next(i for i, line in enumerate(lines) if line.startswith("Step 2/5")) :]
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
    assert out.rstrip().splitlines()[-2].startswith("5 steps as expected in ")


def test_registry_story_operator_abort_stops_the_types_rollout_in_its_first_bake(
    timeline: tuple[int, str],
) -> None:
    """GIVEN the story's operator-abort step (model-a-v3 rolling out linearly) WHEN an operator runs
    sagemaker-rollout abort 10 minutes into its first bake THEN the command exits 0, SageMaker rolls
    back, the update handler answers FAILED with the operator's reason well before the first 45-min
    bake ends, and CloudFormation's rollback (the update handler back to model-a-v2) is a SUCCESS
    that changes nothing."""
    _, out = timeline
    step = _section(out, 3)
    assert (
        "operator    $ sagemaker-rollout abort --endpoint classifier --table sagemaker-rollout-journal"
        in step
    )
    assert (
        "operator    exit 0: brake of classifier's rollout tripped (p99 latency doubled on the new model)"
        in step
    )
    answer = next(line for line in step.splitlines() if "cfn         FAILED after" in line)
    assert (
        ": aborted by the operator: p99 latency doubled on the new model; SageMaker rolled back: " in answer
    )
    update = next(
        line for line in step.splitlines() if "UPDATE Classifier (model-a-v2 -> model-a-v3)" in line
    )
    assert _seconds(answer) - _seconds(update) < WAIT_SECONDS  # stopped within the first bake
    assert "cfn         rollback: SUCCESS after 1 invocation(s)" in step
    assert "plan        classifier: no rollout needed, endpoint already runs" in step
    assert (
        step.splitlines()[-1].startswith("  => as expected") and "CloudFormation got FAILED (aborted" in step
    )


def test_registry_story_smoke_test_fails_the_new_model_in_a_mixed_fleet_bake(
    timeline: tuple[int, str],
) -> None:
    """GIVEN the story's smoke-test step (model-a-v3 answers HTTP 500; a SmokeTest of 11 calls, enough
    to reach the 25 % new fleet of a linear step with 95 % probability) WHEN it rolls out THEN a
    mixed-fleet bake's smoke test fails it, the brake trips, SageMaker rolls back, the update handler
    answers FAILED naming the smoke test, and CloudFormation's rollback is a SUCCESS."""
    _, out = timeline
    step = _section(out, 4)
    assert "SmokeTest: InvokeEndpoint x 11; model-a-v3 answers HTTP 500" in step
    failed = [line for line in step.splitlines() if "smoke " in line and " fail in " in line]
    assert len(failed) == 1 and "(mixed fleet): call" in failed[0] and "model answered 500" in failed[0]
    assert re.search(
        r"brake alarm \S+ tripped: smoke test failed in bake linear step \d/4 \(mixed fleet\)", step
    )
    assert "status      classifier: RollingBack" in step
    answer = next(line for line in step.splitlines() if "cfn         FAILED after" in line)
    assert ": smoke test failed in bake linear step " in answer and "SageMaker rolled back" in answer
    assert "cfn         rollback: SUCCESS after 1 invocation(s)" in step
    assert step.splitlines()[-1].startswith("  => as expected")


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
    assert [s["title"] for s in document["steps"]] == [
        "create",
        "linear update",
        "operator abort",
        "smoke test",
        "delete",
    ]
    assert [s["response"]["status"] for s in document["steps"]] == [
        "SUCCESS",
        "SUCCESS",
        "FAILED",
        "FAILED",
        "SUCCESS",
    ]
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
    assert out.count("=> as expected") == 5
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
