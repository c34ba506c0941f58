"""Golden traces: every AWS call, journal write and answer of each test, recorded and compared.

A refactoring tool (issue 19): before a move, ``make golden-record`` runs the functional and registry
suites with ``GOLDEN_TRACES=record`` and writes one trace per test under ``.golden/record/``; after
the move ``make golden-check`` runs them again with ``GOLDEN_TRACES=check`` and fails every test whose
trace differs, showing the first differing lines. ``tests/golden/traces.sha256`` (one line per test:
hash and line count) is the committed manifest of the recorded traces, so a reviewer sees which
scenarios a change altered (``make golden-record`` rewrites it; a changed line there is a behaviour
change the commit must explain).

A trace holds, in order:

* every AWS API call made by any client of the test (botocore's ``_make_api_call``: the provider's
  calls, journal reads and writes included, and the test's own set-up calls, which a refactor of the
  runtime does not change), as ``service.Operation {params}`` with the parameters as sent;
* every custom-resource answer PUT to the driver's response server (``answer {body}``);
* every progress event a registry-type handler returned (``progress {event}``).

Values that differ from run to run are normalised: journal tokens and random hex ids, UUIDs (request
ids), crhelper's random physical-id suffix, the local response server's port, moto's pagination
tokens (base64 JSON whose ``parameterChecksum`` is Python's ``hash()`` of the request, different in
every process under hash randomisation) and the wall-clock time ``sagemaker-rollout abort`` journals
with an operator's abort (the CLI runs on the real clock, the tests on a simulated one). Runs of
identical lines (a poll) collapse into one line with a count.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

MODE = os.environ.get("GOLDEN_TRACES", "")
ROOT = Path(__file__).resolve().parents[1]
GOLDEN_DIR = Path(os.environ.get("GOLDEN_DIR", str(ROOT / ".golden")))
MANIFEST = ROOT / "tests" / "golden" / "traces.sha256"

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX = re.compile(r"(?<![0-9a-zA-Z])[0-9a-f]{16,64}(?![0-9a-zA-Z])")
_PORT = re.compile(r"127\.0\.0\.1:\d+")
_RAND = re.compile(r"(_[A-Za-z0-9-]+_)[A-Z0-9]{8}\b")
_MOTO_TOKEN = re.compile(r"eyJwYXJhbWV0ZXJDaGVja3N1bSI6[A-Za-z0-9+/=]+")  # base64 '{"parameterChecksum":'
_ABORT_AT = re.compile(  # the "at" of the abort item's JSON (escaped in the trace); other "at"s are simulated
    r'("#a":"abort"\},"ExpressionAttributeValues":\{":a":\{"S":"\{\\"at\\": )\d+(\.\d+)?'
)


def _file_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid)[:200] + ".trace"


class _Normaliser:
    """Replaces run-dependent values by numbered placeholders, in order of first appearance."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def _sub(self, kind: str, match: re.Match[str]) -> str:
        value = match.group(0)
        if value not in self.seen:
            self.seen[value] = f"<{kind}{sum(1 for v in self.seen.values() if v.startswith('<' + kind))}>"
        return self.seen[value]

    def __call__(self, text: str) -> str:
        text = _UUID.sub(lambda m: self._sub("uuid", m), text)
        text = _HEX.sub(lambda m: self._sub("hex", m), text)
        text = _PORT.sub("127.0.0.1:<port>", text)
        text = _MOTO_TOKEN.sub(lambda m: self._sub("token", m), text)
        text = _ABORT_AT.sub(lambda m: m.group(1) + "<wall-clock>", text)
        return _RAND.sub(lambda m: m.group(1) + "<rand>", text)


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=_default, separators=(",", ":"))


def _default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        try:
            return json.loads(bytes(value).decode())
        except ValueError:
            return f"<{len(value)} bytes>"
    return str(value)


def _collapse(lines: list[str]) -> list[str]:
    out: list[str] = []
    count = 0
    for index, line in enumerate(lines):
        count += 1
        if index + 1 < len(lines) and lines[index + 1] == line:
            continue
        out.append(line if count == 1 else f"{line} x{count}")
        count = 0
    return out


@pytest.fixture(autouse=True)
def golden_trace(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Record this test's trace when ``GOLDEN_TRACES`` is ``record`` or ``check`` (else nothing)."""
    if MODE not in ("record", "check"):
        yield
        return
    import random
    import secrets
    import uuid

    from botocore.client import BaseClient

    # Request ids, stack ids and journal tokens from one seeded generator per test: the backoff
    # jitter (seeded by the request key) and every name derived from them repeat from run to run.
    generator = random.Random(request.node.nodeid)
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=generator.getrandbits(128), version=4))
    monkeypatch.setattr(secrets, "token_hex", lambda n=32: generator.getrandbits(n * 8).to_bytes(n).hex())
    lines: list[str] = []
    original_call = BaseClient._make_api_call

    def make_api_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        lines.append(f"{client.meta.service_model.service_name}.{operation} {_dump(params)}")
        return original_call(client, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", make_api_call)
    try:
        from sagemaker_rollout_testing.https import ResponseServer

        original_record = ResponseServer._record

        def record(server: Any, raw_path: str, raw: bytes, headers: dict[str, str]) -> None:
            lines.append(f"answer {_dump(_default(raw))}")
            original_record(server, raw_path, raw, headers)

        monkeypatch.setattr(ResponseServer, "_record", record)
        from sagemaker_rollout_testing.registry import RegistryDriver

        original_invoke = RegistryDriver.invoke

        def invoke(driver: Any, event: Any, **options: Any) -> Any:
            result = original_invoke(driver, event, **options)
            lines.append(f"progress {_dump(result)}")
            return result

        monkeypatch.setattr(RegistryDriver, "invoke", invoke)
    except ImportError:  # pragma: no cover - the test kit is part of the dev install
        pass
    yield
    normalise = _Normaliser()
    text = "\n".join(_collapse([normalise(line) for line in lines])) + "\n"
    name = _file_name(request.node.nodeid)
    target = GOLDEN_DIR / MODE / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    if MODE == "check":
        recorded = GOLDEN_DIR / "record" / name
        if not recorded.exists():
            pytest.fail(f"golden trace: no recorded trace for {request.node.nodeid}", pytrace=False)
        before = recorded.read_text(encoding="utf-8")
        if before != text:
            old, new = before.splitlines(), text.splitlines()
            diff = list(difflib.unified_diff(old, new, "recorded", "now", lineterm="", n=1))
            shown = "\n".join(line[:300] for line in diff[:40])
            pytest.fail(f"golden trace differs ({len(diff)} diff lines):\n{shown}", pytrace=False)


def write_manifest(directory: Path = GOLDEN_DIR / "record") -> None:
    """``tests/golden/traces.sha256``: hash and line count of every recorded trace, sorted."""
    rows = []
    for path in sorted(directory.glob("*.trace")):
        text = path.read_bytes()
        rows.append(f"{hashlib.sha256(text).hexdigest()[:16]} {text.count(b'\n'):6d} {path.stem}")
    MANIFEST.write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_manifest()
