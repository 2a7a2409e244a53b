"""Detail strings of the Knowledge Exchange routes: constants, reused by OpenAPI, the pages and the tests.

Kept beside api.errors (which maps every exception once); the `reason`s here are what a person
reads next to the field that caused them.
"""

from __future__ import annotations

PROGRAMME_NOT_FOUND = "There is no Knowledge Exchange programme for that year."
PROGRAMME_CLOSED = "That Knowledge Exchange programme has closed and takes no more input."
PLACEMENT_NOT_FOUND = "There is no such placement in that programme."
APPLICATION_NOT_FOUND = "There is no such application in that programme."
SCHEDULE_NOT_FOUND = "There is no yearly Knowledge Exchange schedule."

#: The call for applications, by date (the programme's application window).
CALL_NOT_OPEN = "not open yet"
CALL_CLOSED = "the call is closed"
CALL_REFUSED = "Applications are not being accepted for this programme now."
#: Eligibility and uniqueness.
VOLUNTEERS_NOT_ELIGIBLE = "volunteers are not eligible"
NOT_A_PARTNER = "choose the museum or one of this programme's partner organisations"
ALREADY_APPLIED = "someone with this e-mail address has already applied this year"
NOT_A_CASE_STUDY = "mark the placement as a case study first"
PLACEMENT_NOT_STARTED = "the placement's project has not started yet"
