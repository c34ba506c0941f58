"""``python -m sagemaker_rollout_tools``: the same as the ``sagemaker-rollout`` console script."""

from __future__ import annotations

import sys

from sagemaker_rollout_tools.cli import main

sys.exit(main())
