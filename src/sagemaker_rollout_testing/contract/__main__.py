"""``python -m sagemaker_rollout_testing.contract``: ``make contract-test``."""

from __future__ import annotations

import sys

from sagemaker_rollout_testing.contract.run import main

if __name__ == "__main__":
    sys.exit(main())
