"""Partner organisations, API keys and page sessions: `reads` and `writes`. See store/__init__."""
