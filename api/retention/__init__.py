"""Retention: the daily erasure of personal data past its period. `schedule.py` writes the daily Temporal
Schedule `engage-retention` (at worker start-up), `routes.py` lists the recorded runs (staff),
`schemas.py` their shape. The erasing itself is RetentionWorkflow's activity (activities/retention.py)."""
