"""Placements as people see them: the project's title, who hosts, and each side's survey role."""

from __future__ import annotations

from domain.exchange import MUSEUM, Direction
from domain.placements import HOST_CONTACT_ROLE, UNNAMED_HOST, host_name, placement_title, visitor_role


def test_a_placement_project_is_titled_by_year_and_direction() -> None:
    assert placement_title(2027, Direction.TO_MUSEUM) == "Knowledge Exchange 2027: placement to the museum"
    assert placement_title(2027, Direction.TO_PARTNER) == "Knowledge Exchange 2027: placement to the partner"


def test_the_visitor_is_museum_staff_only_when_they_applied_from_the_museum() -> None:
    assert visitor_role(MUSEUM) == "museum_staff"
    assert visitor_role("Harbour Heritage Group") == "partner_staff"
    assert HOST_CONTACT_ROLE == "partner_staff"


def test_the_museum_hosts_a_partners_colleague_and_the_partner_hosts_museum_staff() -> None:
    assert host_name(Direction.TO_MUSEUM, museum_name="City Museum", partner_name="Harbour") == "City Museum"
    assert host_name(Direction.TO_PARTNER, museum_name="City Museum", partner_name="Harbour") == "Harbour"
    assert host_name(Direction.TO_PARTNER, museum_name="City Museum", partner_name=None) == UNNAMED_HOST
