"""Webhooks in the database (issue 16): subscriptions, the deliveries queued with each event, attempts."""
