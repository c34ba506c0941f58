"""``make contract-test``: run ``cfn test`` against the registry type, once per fault profile.

For each profile: a :class:`~.world.ContractWorld` (moto, the simulator, the handlers) behind a
:class:`~.endpoint.ContractEndpoint` (the Lambda Invoke API on a free local port), then the
CloudFormation CLI's runner in its own interpreter (:mod:`.runner`, run by ``.venv-tools``) from
the project directory. The runner's per-test outcomes and the harness's per-invocation checks make
one result; the report is a table (test x input set) per profile, and the harness checks.

Success: every input set collects :data:`EXPECTED_TESTS` tests and all pass (none skipped,
xfailed or errored), and no harness check fails; or, with ``--expect FILE``, the outcomes and
failed checks are exactly those recorded in ``FILE`` (``--write-expected``), so CI notices any
change while the type is being fixed.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sagemaker_rollout_testing.contract.checks import CHECKS, Violation, count_by_check
from sagemaker_rollout_testing.contract.world import PROFILES, FaultProfile

__all__ = [
    "EXPECTED_TESTS",
    "ProfileResult",
    "compare_expected",
    "expected_of",
    "main",
    "render",
    "run_profile",
]

EXPECTED_TESTS = 15
"""Contract tests cloudformation-cli 0.2.41 collects for a resource type with all five handlers and
tagging metadata: 5 in ``handler_create.py``, 5 in ``handler_delete.py``, 3 in ``handler_update.py``,
1 in ``handler_update_invalid.py`` and ``contract_check_asserts_work`` (``handler_misc.py``)."""

RUNNER = Path(__file__).with_name("runner.py")


@dataclass
class ProfileResult:
    """One profile's run.

    Attributes
    ----------
    profile:
        The fault profile's name.
    exit_status:
        The runner's (0: every input set passed; -1: it was stopped at the wall-clock limit).
    input_sets:
        Per input set: ``collected`` (test names) and ``tests`` (name -> outcome, phase, message).
    violations:
        The harness checks that failed.
    invocations:
        Digest of every handler invocation.
    wall_seconds, simulated_seconds:
        Real time of the run; simulated time that passed in the world.
    log:
        The runner's output.
    """

    profile: str
    exit_status: int
    input_sets: dict[int, dict[str, Any]]
    violations: list[Violation]
    invocations: list[dict[str, Any]] = field(default_factory=list)
    wall_seconds: float = 0.0
    simulated_seconds: float = 0.0
    log: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "exit_status": self.exit_status,
            "wall_seconds": round(self.wall_seconds, 1),
            "simulated_seconds": round(self.simulated_seconds, 1),
            "input_sets": {str(k): v for k, v in sorted(self.input_sets.items())},
            "violations": [v.as_dict() for v in self.violations],
            "invocations": self.invocations,
            "log": self.log,
        }


def _runner_env(region: str) -> dict[str, str]:
    """The runner's environment: fake credentials with a session token (so the runner asks STS
    nothing but its account id: ``rpdk/core/boto_helpers.py``, ``get_temporary_credentials`` uses
    frozen credentials that carry a token as they are), no AWS config files, no instance metadata."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TERM")}
    return {
        **keep,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def run_profile(
    project: Path,
    profile: FaultProfile,
    tools_python: Path,
    out: Path,
    *,
    pytest_args: Sequence[str] = (),
    wall_timeout: float = 900.0,
) -> ProfileResult:
    """Run the contract suite once against a fresh simulated account under ``profile``."""
    from sagemaker_rollout_testing.contract.endpoint import ContractEndpoint
    from sagemaker_rollout_testing.contract.world import ContractWorld

    folder = out / profile.name
    results = folder / "runner"
    results.mkdir(parents=True, exist_ok=True)
    for stale in results.glob("inputs_*.json"):
        stale.unlink()
    log = folder / "cfn-test.log"
    started = time.monotonic()
    with ContractWorld(project.resolve(), profile) as world, ContractEndpoint(world) as endpoint:
        start = world.clock.now()
        typeconfig = folder / "typeConfiguration.json"
        # Every setting of the type configuration, so that the runner sends what SetTypeConfiguration
        # would (the smoke-test pattern names no function the inputs use: their SmokeTest is Invoke).
        settings = {"JournalTableName": world.journal_table, "SmokeTestFunctionNamePattern": "smoke-*"}
        typeconfig.write_text(json.dumps(settings) + "\n", encoding="utf-8")
        command = [
            str(tools_python.absolute()),
            "-I",
            str(RUNNER),
            "--endpoint",
            endpoint.url,
            "--results",
            str(results.resolve()),
            "--function-name",
            "TypeFunction",
            "--region",
            world.region,
            "--typeconfig",
            str(typeconfig.resolve()),
        ]
        # The suite's ini logs at INFO (pytest-contract.ini, log_cli_level): a line per pruned
        # write-only property of every request. Warnings and the test results are what matter.
        command += ["--", "--log-cli-level=WARNING", *pytest_args]
        with log.open("w", encoding="utf-8") as output:
            try:
                status = subprocess.run(
                    command,
                    cwd=project,
                    env=_runner_env(world.region),
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    timeout=wall_timeout,
                    check=False,
                ).returncode
            except subprocess.TimeoutExpired:
                status = -1
        violations = world.finish()
        invocations = list(world.iter_summaries())
        simulated = world.clock.now() - start
    sets = {}
    for path in sorted(results.glob("inputs_*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        sets[int(document["input_set"])] = document
    return ProfileResult(
        profile.name, status, sets, violations, invocations, time.monotonic() - started, simulated, str(log)
    )


# ---- results --------------------------------------------------------------------------------------
def _first_line(message: str) -> str:
    """The assertion's own line of a pytest report (``E   ...``), else the message's last line."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    reasons = [line[1:].strip() for line in lines if line.startswith("E ")]
    raised = [r for r in reasons if re.match(r"^[A-Za-z_.]*(Error|Exception)\b", r)]
    # The last exception raised is the outermost of a chain (pytest prints the cause first).
    text = raised[-1] if raised else (reasons[0] if reasons else (lines[-1] if lines else ""))
    return text[:240]


def expected_of(results: Sequence[ProfileResult]) -> dict[str, Any]:
    """The outcomes and failed checks of ``results`` (what ``--write-expected`` records)."""
    document: dict[str, Any] = {}
    for result in results:
        sets: dict[str, Any] = {}
        for number, data in sorted(result.input_sets.items()):
            checks = sorted({v.check for v in result.violations if v.input_set == number})
            sets[str(number)] = {
                "tests": {name: t["outcome"] for name, t in sorted(data.get("tests", {}).items())},
                "checks": checks,
            }
        document[result.profile] = {"exit_status": result.exit_status, "input_sets": sets}
    return document


def compare_expected(results: Sequence[ProfileResult], expected: Mapping[str, Any]) -> list[str]:
    """Differences between ``results`` and an expected document (empty: they agree)."""
    actual = expected_of(results)
    differences = []
    for profile in sorted(set(actual) | set(expected)):
        if profile not in expected or profile not in actual:
            differences.append(
                f"{profile}: run {'but not expected' if profile in actual else 'expected but not run'}"
            )
            continue
        mine, theirs = actual[profile]["input_sets"], expected[profile].get("input_sets", {})
        for number in sorted(set(mine) | set(theirs)):
            got, want = mine.get(number, {}), theirs.get(number, {})
            for name in sorted(set(got.get("tests", {})) | set(want.get("tests", {}))):
                a, b = got.get("tests", {}).get(name, "absent"), want.get("tests", {}).get(name, "absent")
                if a != b:
                    differences.append(f"{profile} inputs_{number} {name}: {a} (expected {b})")
            if got.get("checks", []) != want.get("checks", []):
                differences.append(
                    f"{profile} inputs_{number} harness checks failing: {got.get('checks')} "
                    f"(expected {want.get('checks')})"
                )
    return differences


def passed(results: Sequence[ProfileResult]) -> bool:
    """Every set of every profile collected the suite and passed it all, and no check failed."""
    for result in results:
        if result.exit_status != 0 or result.violations or not result.input_sets:
            return False
        for data in result.input_sets.values():
            tests = data.get("tests", {})
            if len(data.get("collected", [])) != EXPECTED_TESTS:
                return False
            if any(t["outcome"] != "passed" for t in tests.values()):
                return False
    return True


_SHORT = {
    "passed": "pass",
    "failed": "FAIL",
    "error": "ERROR",
    "skipped": "skip",
    "xfailed": "xfail",
    "xpassed": "xpass",
}


def render(results: Sequence[ProfileResult]) -> str:
    """The report (Markdown): per profile, the test x input set table, the checks, the reasons."""
    out: list[str] = []
    for result in results:
        numbers = sorted(result.input_sets)
        out.append(
            f"## Profile `{result.profile}`: runner exit {result.exit_status}, "
            f"{len(result.invocations)} handler invocations, {result.wall_seconds:.0f} s real, "
            f"{result.simulated_seconds / 3600:.1f} h simulated"
        )
        out.append("")
        out.append("| test | " + " | ".join(f"inputs_{n}" for n in numbers) + " |")
        out.append("|---|" + "---|" * len(numbers))
        names: list[str] = []
        for n in numbers:
            for name in result.input_sets[n].get("collected", []):
                if name not in names:
                    names.append(name)
        for name in names:
            cells = []
            for n in numbers:
                test = result.input_sets[n].get("tests", {}).get(name)
                cell = _SHORT.get(test["outcome"], test["outcome"]) if test else "-"
                if test and test.get("phase") and test["outcome"] == "error":
                    cell += f" ({test['phase']})"
                cells.append(cell)
            out.append(f"| {name} | " + " | ".join(cells) + " |")
        out.append(
            "| **collected** | "
            + " | ".join(str(len(result.input_sets[n].get("collected", []))) for n in numbers)
            + " |"
        )
        out.append("")
        out.append("Harness checks (failures per input set):")
        out.append("")
        out.append("| check | " + " | ".join(f"inputs_{n}" for n in numbers) + " |")
        out.append("|---|" + "---|" * len(numbers))
        per_set = {n: count_by_check(v for v in result.violations if v.input_set == n) for n in numbers}
        extra = sorted({v.check for v in result.violations} - set(CHECKS))
        for check in (*CHECKS, *extra):
            out.append(f"| {check} | " + " | ".join(str(per_set[n].get(check, 0)) for n in numbers) + " |")
        out.append("")
        seen: set[tuple[str, int, str]] = set()
        for violation in result.violations:
            key = (violation.check, violation.input_set, violation.action)
            if key not in seen:
                seen.add(key)
                out.append(
                    f"- `{violation.check}` inputs_{violation.input_set} {violation.test or '-'} "
                    f"({violation.action}): {violation.detail}"
                )
        out.append("")
        out.append("Reasons (first assertion line of each test that did not pass):")
        out.append("")
        for n in numbers:
            for name, test in result.input_sets[n].get("tests", {}).items():
                if test["outcome"] != "passed":
                    out.append(
                        f"- inputs_{n} `{name}` {test['outcome']}: {_first_line(test.get('message', ''))}"
                    )
        out.append("")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m sagemaker_rollout_testing.contract``: see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m sagemaker_rollout_testing.contract", description=__doc__)
    parser.add_argument(
        "--project", type=Path, default=Path("registry"), help="the CloudFormation CLI project"
    )
    parser.add_argument(
        "--tools-python",
        type=Path,
        default=Path(".venv-tools/bin/python"),
        help="interpreter with cloudformation-cli",
    )
    parser.add_argument(
        "--profiles", default="none,throttle,timeout", help=f"comma-separated: {', '.join(PROFILES)}"
    )
    parser.add_argument("--out", type=Path, default=Path(".contract-test"), help="results, logs and report")
    parser.add_argument(
        "--expect", type=Path, help="pass when the results match this file (instead of all passing)"
    )
    parser.add_argument("--write-expected", type=Path, help="record the results as the expected ones")
    parser.add_argument("--wall-timeout", type=float, default=600.0, help="real seconds per profile")
    parser.add_argument(
        "pytest_args", nargs="*", help="after --: passed to the runner's pytest (e.g. -k NAME)"
    )
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.profiles.split(",") if n.strip()]
    unknown = [n for n in names if n not in PROFILES]
    if unknown:
        parser.error(f"--profiles: unknown {', '.join(unknown)} (known: {', '.join(PROFILES)})")
    if not args.tools_python.exists():
        parser.error(f"--tools-python: {args.tools_python} does not exist (make tools)")
    args.out.mkdir(parents=True, exist_ok=True)
    # The handlers run in this process: their log goes to a file, not between the report's lines.
    logging.basicConfig(
        filename=args.out / "handlers.log",
        filemode="w",
        level=logging.INFO,
        force=True,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    results = []
    for name in names:
        print(f"contract-test: profile {name} ...", flush=True)
        result = run_profile(
            args.project,
            PROFILES[name],
            args.tools_python,
            args.out,
            pytest_args=args.pytest_args,
            wall_timeout=args.wall_timeout,
        )
        results.append(result)
        print(
            f"contract-test: profile {name}: runner exit {result.exit_status} in {result.wall_seconds:.0f} s",
            flush=True,
        )
    report = render(results)
    (args.out / "report.md").write_text(report + "\n", encoding="utf-8")
    (args.out / "results.json").write_text(
        json.dumps([r.as_dict() for r in results], indent=2) + "\n", encoding="utf-8"
    )
    print(report)
    if args.write_expected:
        args.write_expected.write_text(json.dumps(expected_of(results), indent=2) + "\n", encoding="utf-8")
    if args.expect:
        differences = compare_expected(results, json.loads(args.expect.read_text(encoding="utf-8")))
        for line in differences:
            print(f"contract-test: differs from {args.expect}: {line}", file=sys.stderr)
        return 1 if differences else 0
    if not passed(results):
        print(f"contract-test: FAILED (report: {args.out / 'report.md'})", file=sys.stderr)
        return 1
    return 0
