"""Shared fixtures: simulated clock, moto, boto3 session, SageMaker simulator, provider driver.

Every fixture is function-scoped but ``shared_cfnlint_rules`` and ``shared_botocore_data``
(module-scoped, opt-in: the slow tier's expensive set-up, loaded once a test process). ``layers/``
is put on ``sys.path`` so the suites run without installing the package.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
LAYERS = REPO_ROOT / "layers"
if str(LAYERS) not in sys.path:
    sys.path.insert(0, str(LAYERS))

from golden_traces import golden_trace  # noqa: E402, F401  (GOLDEN_TRACES=record|check; make golden-*)

from sagemaker_rollout.clock import SimulatedClock  # noqa: E402

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"


@pytest.fixture
def repo_root() -> Path:
    """The repository root (where ``template.yaml`` lives)."""
    return REPO_ROOT


@pytest.fixture
def clock() -> SimulatedClock:
    """A fresh simulated clock shared by the simulator, the provider and the driver."""
    return SimulatedClock()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's ``mock_aws`` with fake credentials and region ``us-east-1``."""
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SAM_LOCAL"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        yield


@pytest.fixture
def session(aws: None) -> Any:
    """A boto3 session in ``us-east-1`` (clients built from it hit moto)."""
    import boto3

    return boto3.Session(region_name=REGION)


@pytest.fixture
def sim(aws: None, clock: SimulatedClock) -> Iterator[Any]:
    """The SageMaker endpoint simulator, active on ``clock`` for the test."""
    from sagemaker_rollout_testing.simulator import SageMakerSimulator

    with SageMakerSimulator(clock=clock, region=REGION, account_id=ACCOUNT_ID) as simulator:
        yield simulator


@pytest.fixture
def provider_driver(sim: Any, clock: SimulatedClock, session: Any) -> Iterator[Any]:
    """A running driver for ``EndpointProviderFunction`` of ``template.yaml``."""
    from sagemaker_rollout.custom_resource import configure
    from sagemaker_rollout_testing import CloudFormationDriver

    driver = CloudFormationDriver.from_template(
        REPO_ROOT,
        "EndpointProviderFunction",
        clock=clock,
        session=session,
        configure=configure,
        region=REGION,
        account_id=ACCOUNT_ID,
    )
    with driver:
        yield driver


#: cfn-lint's rules by directory, loaded once a test process (``shared_cfnlint_rules``).
_CFNLINT_RULES: dict[str, Any] = {}


@pytest.fixture(scope="module")
def shared_cfnlint_rules() -> Iterator[None]:
    """cfn-lint's rule directories loaded once a process, not once a lint (opt-in, slow tier).

    Every ``cfnlint.api.lint`` builds a runner that imports each rule module of cfn-lint's own
    directory and of ``sagemaker_rollout_tools.lint_rules`` afresh (``Rules.create_from_directory``:
    about 0.3 s of a lint's 0.4 s). With this fixture each directory is loaded on its first lint and
    its rule objects are reused by every later runner, as cfn-lint itself reuses them for the
    templates of one command line: the same rules run on every template (each run configures and
    initialises them for its template), so every finding is the same.
    """
    from cfnlint.rules import Rules

    load = vars(Rules)["create_from_directory"].__func__  # the classmethod's function

    def create_from_directory(cls: type[Any], rulesdir: str) -> Any:
        if rulesdir not in _CFNLINT_RULES:
            _CFNLINT_RULES[rulesdir] = load(cls, rulesdir)
        return cls(dict(_CFNLINT_RULES[rulesdir]))  # a new collection, the same rule objects

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rules, "create_from_directory", classmethod(create_from_directory))
        yield


#: botocore's data loaders by search path, shared by every session of a test process
#: (``shared_botocore_data``).
_BOTOCORE_LOADERS: dict[str | None, Any] = {}


@pytest.fixture(scope="module")
def shared_botocore_data() -> Iterator[None]:
    """One botocore data loader a process for every new session (opt-in, slow tier).

    Each ``boto3.Session`` (the CLI's, the simulated account's, crhelper's in every invocation)
    gets a loader of its own, which reads and parses botocore's JSON (service models, endpoint
    rules, partitions) again: about 30 % of a demo's CPU time, 80 % of a ``history`` call's. Here
    every session made without its own loader gets the one loader of its search path, whose caches
    keep what was read: the same files, the same data (a loader's results are shared by all the
    clients of a session already). boto3 appends its own data directory to a session's loader;
    the shared loader keeps that directory once.
    """
    import botocore.session

    create = botocore.session.create_loader

    def create_loader(search_path_string: str | None = None) -> Any:
        loader = _BOTOCORE_LOADERS.get(search_path_string)
        if loader is None:
            loader = _BOTOCORE_LOADERS[search_path_string] = create(search_path_string)
        paths = loader.search_paths
        paths[:] = list(dict.fromkeys(paths))  # boto3 appends its data directory for each session
        return loader

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", create_loader)
        yield


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the long tests first (the stateful shards, then the property test).

    pytest-xdist hands tests out in collection order; when the half-minute shards start last, one
    worker finishes them alone while the other idles. Started first, the short tests fill in
    around them.
    """

    def weight(item: pytest.Item) -> int:
        if item.get_closest_marker("stateful"):
            return 0
        if item.get_closest_marker("slow") or "test_macro_properties" in item.nodeid:
            return 1
        return 2

    items.sort(key=weight)  # stable: the order inside each group is kept
