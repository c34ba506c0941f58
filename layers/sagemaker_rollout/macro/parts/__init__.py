"""The parts of one compact resource's expansion, each validating through the schema and generating.

:mod:`.common` (the expansion being built, conditional blocks, text joining), :mod:`.options`
(endpoint-level settings: name, tags, asynchronous inference, data capture, provider checks),
:mod:`.variant`, :mod:`.model`, :mod:`.autoscaling`, :mod:`.alarms`, :mod:`.deployment`,
:mod:`.dashboard`; :mod:`sagemaker_rollout.macro.endpoint` orchestrates them.
"""
