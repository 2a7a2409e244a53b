"""A page form read as its JSON route's request schema: the first step of every form handler.

Pages parse their form into the same request model the JSON route takes (then call the same
service), so both refuse alike. `form_body` answers the model, or the `FormError` to show beside
the form with a 422, instead of each page repeating the try/except around `model_validate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from api.pages.web import FormError

M = TypeVar("M", bound=BaseModel)


def form_body(model: type[M], values: Mapping[str, object], rename: Mapping[str, str] | None = None) -> M | FormError:
    """`values` validated as `model`, or why not, by input name (`rename`: a field's input name)."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        return FormError.invalid_input(exc, rename)
