"""What a search answers: one list of hits of three kinds, projects first, then partners, then people."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

#: The shortest search (after trimming): one letter would list nearly everything, and everyone.
MIN_QUERY = 2
MAX_QUERY = 200


class SearchHit(BaseModel):
    kind: Literal["project", "partner", "person"]
    id: str = Field(
        description="The project's or partner's id; a person's is `lead:`, `contact:`, `respondent:` or `user:` "
        "and the id of the row that holds them."
    )
    title: str = Field(description="The project's title, the partner's name or the person's name.")
    detail: str = Field(description="What it is, in words (e.g. “Lead of “Voices of the River””).")
    email: str | None = Field(default=None, description="A person's address (staff searches only).")
    link: str | None = Field(description="The page it is on, when there is one.")
