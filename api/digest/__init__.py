"""The weekly digest e-mail to each staff member (issue 16): `schedule.py` writes the weekly Temporal
Schedule `engage-weekly-digest` (at worker start-up). What the digest says and who gets it is
WeeklyDigestWorkflow's activity (activities/digest.py) over store.reports.digest_reads."""
