"""Projects' read model: `reads` for the API's lists and lookups, `writes` (and `writes_mail`) for the
rows the API and the `record_project_changes` activity write. See store/__init__ for the scheme."""
