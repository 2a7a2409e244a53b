"""domain/: pure pydantic models and rules, no I/O, safe inside the workflow sandbox. Where to find each concept:

- Projects: `lifecycle.py` templates as data (stages, milestones, audiences; shipped in `templates/`),
  `state.py` ProjectWorkflow's whole state, `submissions.py` its Update payloads, `actors.py` who acts
  (the `Actor` every Update names), `rules.py` whether input is acceptable now and from whom (the checks
  every validator runs; a `Refusal` carries its `RefusalKind`), `transitions.py` what accepted input and
  reached dates change, `timers.py` what a project waits for, `events.py` its timeline,
  `notifications.py` who gets which e-mail.
- Follow-up surveys: `follow_up.py` waves and their contracts, `surveys.py` instruments and the
  outcome framework (shipped in `instruments/`), `respondents.py` who may answer, `fatigue.py` the cap,
  `durations.py` ISO durations that keep their calendar meaning.
- Knowledge Exchange: `exchange_state.py` the programme's state, `exchange_messages.py` what travels
  (payloads, events, the yearly plan), `exchange_rules.py` who may do what when, `placements.py`
  placements as people see them; `exchange.py` re-exports the first two under one name.

Deliberately no imports here: each module is imported by name, and nothing loads that is not used.
"""
