"""What every resource's schemas share: strict request bodies and replies serialized once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi.responses import Response
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict

from eventflow.domain.dates import instant_problem


class Strict(BaseModel):
    """A request body: unknown fields are refused, strings are bounded."""

    model_config = ConfigDict(extra="forbid", str_max_length=20_000)


def model_response(model: BaseModel, status: int = 200, exclude_none: bool = False) -> Response:
    """A reply already shaped by its model: serialized once (pydantic's Rust encoder), not re-validated."""
    return Response(model.model_dump_json(exclude_none=exclude_none), status_code=status,
                    media_type="application/json")


def _in_catalog_range(instant: datetime) -> datetime:
    """The catalogue's date rule (domain/dates.py) at the edge, so the 422 names the field."""
    problem = instant_problem(instant)
    if problem:
        raise ValueError(problem)
    return instant


# An instant with a timezone, within the years the catalogue accepts (2000..2100).
CatalogInstant = Annotated[AwareDatetime, AfterValidator(_in_catalog_range)]
