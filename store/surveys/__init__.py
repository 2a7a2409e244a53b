"""Follow-up surveys: `reads` (respondents, links), `reads_reports` (counts, report, CSV), `writes`
(the API's respondents, answers, opt-outs) and `writes_wave_*` (the wave activities). See store/__init__."""
