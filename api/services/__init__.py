"""Use cases shared by the JSON routes and the web pages, so both take exactly one code path."""
