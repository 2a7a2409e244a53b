"""Knowledge Exchange placements as people see them: the project's title, who hosts, and what each side
is to the placement's follow-up surveys.

store/ fetches the applicant, the partner and the placement and writes what these answer (the
placeholder project row, the follow-up respondents, the offer e-mail). Pure: no database.
"""

from __future__ import annotations

from domain.exchange import MUSEUM, Direction

#: What the partner's contact person is to a placement's follow-up surveys, whichever the direction.
HOST_CONTACT_ROLE = "partner_staff"
#: What an offer e-mail says when the host partner cannot be named.
UNNAMED_HOST = "your host organisation"


def placement_title(year: int, direction: Direction) -> str:
    """The title ExchangeProgrammeWorkflow gives a placement project (the placeholder row shows the same)."""
    towards = "to the museum" if direction is Direction.TO_MUSEUM else "to the partner"
    return f"Knowledge Exchange {year}: placement {towards}"


def visitor_role(organisation: str) -> str:
    """What the placed applicant is to the follow-up surveys: museum staff when they applied from the
    museum, else partner staff."""
    return "museum_staff" if organisation == MUSEUM else "partner_staff"


def host_name(direction: Direction, *, museum_name: str, partner_name: str | None) -> str:
    """Who hosts the placement, as the offer names it: the museum for a partner's colleague coming to
    the museum, else the partner organisation (or a neutral phrase when it cannot be named)."""
    if direction is Direction.TO_MUSEUM:
        return museum_name
    return partner_name or UNNAMED_HOST
