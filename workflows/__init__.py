"""workflows/: deterministic orchestration on Temporal. Where to find each concept:

- `project.py` ProjectWorkflow (run loop + Update handlers); its steps in `project_steps.py`
  (timers, gates, the timeline) and `project_relations.py` (follow-up child, programme parent).
- `follow_up.py` FollowUpWorkflow: a project's survey waves.
- `exchange.py` ExchangeProgrammeWorkflow and ExchangeLauncherWorkflow; steps in `exchange_steps.py`.
- `retention.py` RetentionWorkflow: the daily erasure of personal data past its retention period.
- `kit.py` the plumbing every workflow shares: refusals from domain checks, continue-as-new,
  e-mail delivery tasks, event numbering.
- `activity_calls.py` one typed wrapper per activity (name, timeouts, retries); `naming.py` ids,
  task queue, search attributes; `registry.py` the workflows a worker runs and their sandbox;
  `activation_guard.py` the runner guard against stale activations.

Deliberately no imports here: importing `workflows.naming` (the API does) must not load any
workflow module.
"""
