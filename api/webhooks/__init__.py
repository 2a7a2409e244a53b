"""Webhooks (issue 16, "Events out"): admins subscribe other systems to domain events, signed the
Standard Webhooks way and delivered durably (workflows.webhooks); `schemas.py`, `service.py`, `routes.py`."""
