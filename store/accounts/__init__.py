"""People who sign in to the pages (issue 15): their accounts, e-mailed sign-in links and sessions.

`store.accounts.users` keeps the accounts, `store.accounts.links` the single-use links (only a token's
sha256 is stored) and the sign-in e-mail queued for one. Functions never commit: the API service owns
the transaction (see store/__init__).
"""
