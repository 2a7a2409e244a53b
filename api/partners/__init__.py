"""Partners and people: partner organisations, API keys, signing in, and names shown for actors.

- `schemas.py`: request and response shapes.
- `service.py`: registering a partner, issuing its key, partner names: shared by the JSON routes and pages.
- `known.py`: a short-lived cache of which partner ids exist; `actor_names.py`: the name a person
  reads for who did something (never a key label).
- JSON routes: `routes.py` (partners and their keys), `key_routes.py` (staff and admin keys).
- Pages: `pages.py` (partners), `signin_pages.py` (sign in and out).
"""
