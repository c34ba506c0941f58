"""``cfn test`` (the CloudFormation CLI's contract runner) with the harness's four runner patches.

Run as a script by the CloudFormation CLI's own interpreter (``.venv-tools``: its boto3, pytest
and hypothesis); the test kit never imports it, and it imports nothing but the standard library
and ``rpdk`` (cloudformation-cli >= 0.2.41). It calls the CLI's ``main(["test", ...])`` from the
project directory, exactly as ``cfn test --endpoint URL ...`` does, after four patches (each
documented in docs/registry.md, "Contract tests", with why it does not weaken the suite):

1. ``rpdk.core.boto_helpers.get_service_endpoint``: the STS endpoint the runner asks for its
   account id (``get_account``: ``GetCallerIdentity`` on ``https://sts.<region>.amazonaws.com``,
   built by hand so no ``AWS_ENDPOINT_URL_STS`` reaches it) is the harness's local endpoint. Every
   other service endpoint is unchanged (the Lambda client already uses ``--endpoint``).
2. ``rpdk.core.contract.resource_client.sleep``: waiting ``callbackDelaySeconds`` before a
   re-invocation returns at once; the harness moves its simulated clock by the same delay when the
   re-invocation arrives.
3. ``rpdk.core.test.invoke_test``: a failing input set no longer stops the loop over input sets
   (the CLI raises on the first failing set): every set runs, and the exit status is still 1 when
   any set failed.
4. ``rpdk.core.test.ContractPlugin``: a subclass with four reporting hooks (which test runs, for the
   harness's attribution; each test's outcome, to a JSON file per input set). Fixtures and tests
   are the CLI's own.

Usage: ``python -I runner.py --endpoint URL --results DIR [cfn test options] [-- pytest args]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import urllib.parse
from pathlib import Path
from typing import Any

__all__ = ["install", "main", "outcome_of"]

_REPORT_PATH = "/_harness/test"
_MESSAGE_LIMIT = 8000


def _post(url: str, body: dict[str, Any]) -> None:
    """POST ``body`` as JSON to the harness (plain HTTP on the loopback only)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost"):
        raise ValueError(f"the harness endpoint must be http on the loopback, not {url!r}")
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=60)
    try:
        connection.request("POST", parts.path, json.dumps(body), {"Content-Type": "application/json"})
        connection.getresponse().read()
    finally:
        connection.close()


def outcome_of(
    current: dict[str, Any] | None, when: str, outcome: str, wasxfail: bool, text: str
) -> dict[str, Any]:
    """Fold one pytest report phase (``setup``, ``call``, ``teardown``) into a test's outcome.

    As pytest's own summary counts them: a failed setup is an ``error``, a failed call ``failed``,
    a failed teardown after a passed call an ``error`` (phase ``teardown``), a skip in any phase
    ``skipped``, an expected failure ``xfailed`` (or ``xpassed``).
    """
    result = dict(current or {"outcome": "passed", "phase": "", "message": ""})
    if wasxfail:
        result.update(outcome="xfailed" if outcome == "skipped" else "xpassed", phase=when)
    elif outcome == "skipped":
        if result["outcome"] == "passed":
            result.update(outcome="skipped", phase=when)
    elif outcome == "failed":
        if when == "call":
            result.update(outcome="failed", phase=when)
        elif result["outcome"] in ("passed", "skipped"):
            result.update(outcome="error", phase=when)
        elif result["outcome"] == "failed" and when == "teardown":
            result["teardown_error"] = True
    if text and outcome != "passed":
        joined = f"{result['message']}\n[{when}]\n{text}" if result["message"] else f"[{when}]\n{text}"
        result["message"] = joined[-_MESSAGE_LIMIT:]
    return result


def install(endpoint: str, results: Path) -> list[int]:
    """Apply the four patches; returns the (growing) list of input sets whose run failed."""
    from rpdk.core import boto_helpers
    from rpdk.core import test as cfn_test
    from rpdk.core.contract import resource_client
    from rpdk.core.exceptions import SysExitRecommendedError

    # 1. STS (the account id) at the harness.
    original_endpoint = boto_helpers.get_service_endpoint

    def get_service_endpoint(service: str, region: str) -> str:
        return endpoint if service == "sts" else str(original_endpoint(service, region))

    boto_helpers.get_service_endpoint = get_service_endpoint

    # 2. No real waiting: the delay is simulated time, moved by the harness.
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(float(seconds))

    resource_client.sleep = sleep

    # 3. and 4. Every input set runs; each reports its tests.
    state = {"input_set": 0}
    failed: list[int] = []
    base = cfn_test.ContractPlugin

    class ReportingContractPlugin(base):  # type: ignore[misc,valid-type]
        def __init__(self, plugin_clients: Any) -> None:
            super().__init__(plugin_clients)
            self.input_set = state["input_set"]
            self.collected: list[str] = []
            self.outcomes: dict[str, dict[str, Any]] = {}

        def pytest_collection_finish(self, session: Any) -> None:
            self.collected = [item.name for item in session.items]

        def pytest_runtest_logstart(self, nodeid: str, location: Any) -> None:
            _post(endpoint + _REPORT_PATH, {"input_set": self.input_set, "test": nodeid.split("::")[-1]})

        def pytest_runtest_logreport(self, report: Any) -> None:
            name = str(report.nodeid).split("::")[-1]
            self.outcomes[name] = outcome_of(
                self.outcomes.get(name),
                str(report.when),
                str(report.outcome),
                hasattr(report, "wasxfail"),
                str(getattr(report, "longreprtext", "") or ""),
            )

        def pytest_sessionfinish(self, session: Any, exitstatus: Any) -> None:
            document = {
                "input_set": self.input_set,
                "collected": self.collected,
                "tests": self.outcomes,
                "callback_waits": len(waits),
                "callback_wait_seconds": sum(waits),
                "exit_status": int(exitstatus),
            }
            results.mkdir(parents=True, exist_ok=True)
            path = results / f"inputs_{self.input_set}.json"
            path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")

    cfn_test.ContractPlugin = ReportingContractPlugin
    original_invoke = cfn_test.invoke_test

    def invoke_test(args: Any, project: Any, overrides: Any, inputs: Any) -> None:
        state["input_set"] += 1
        waits.clear()
        try:
            original_invoke(args, project, overrides, inputs)
        except SysExitRecommendedError:
            failed.append(state["input_set"])

    cfn_test.invoke_test = invoke_test
    return failed


def main(argv: list[str] | None = None) -> int:
    """Run ``cfn test`` with the patches; 0 when every input set passed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True, help="the harness (Lambda Invoke API and STS)")
    parser.add_argument("--results", required=True, type=Path, help="folder of inputs_<n>.json results")
    args = list(sys.argv[1:] if argv is None else argv)
    to_pytest = args[args.index("--") :] if "--" in args else []  # kept verbatim for cfn test
    known, rest = parser.parse_known_args(args[: len(args) - len(to_pytest)])
    failed = install(known.endpoint, known.results)
    from rpdk.core.cli import main as cfn_main

    cfn_main(["test", "--endpoint", known.endpoint, *rest, *to_pytest])
    if failed:
        print(f"contract runner: input set(s) {', '.join(map(str, failed))} failed", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
