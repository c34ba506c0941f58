import sys; sys.path.insert(0, "/work/main/tests/functional")
from test_policy_coverage import *  # noqa
def test_peek(account, recorder):
    _run_all_scenarios(account)
    print("ACTIONS", sorted(recorder.actions))
