"""People and sign-in (issue 15): user accounts, e-mailed single-use sign-in links, and the keys page.

- `schemas.py`: what `/api/v1/users` takes and answers;
- `service.py`: adding, listing, changing and removing accounts (who may manage whom), shared by the
  JSON routes (`routes.py`) and the pages (`pages.py`);
- `sign_in.py`: asking for a link (same answer whether the address is known or not) and using one;
  `mail.py` sends the link's e-mail from the API over SMTP, written to the outbox first;
  `link_pages.py`: the pages for both;
- `key_pages.py`: the API keys page (prefix, label, role, creator, last use, revoke).
"""
