"""Knowledge Exchange: `reads` (programmes, applications, placements), `writes` (the API's and the
programme activities' rows) and `writes_mail` (the applicants' e-mails). See store/__init__."""
