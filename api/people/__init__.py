"""The rights of the people whose data Engage holds (issue 14): access (`GET /api/v1/people/export`)
and erasure (`POST /api/v1/people/erase`).

`schemas.py` (what is asked and answered), `service.py` (export and erase: the store's
`store.people` reads and scrubs, the workflows in flight told through `calls.py` (on `api.temporal_calls`), each
action in the audit trail without the address), `routes.py` (the JSON routes). No pages: an admin
acts through the API.
"""
