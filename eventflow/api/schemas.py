"""What every resource's schemas share: strict request bodies and replies serialized once."""

from __future__ import annotations

from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A request body: unknown fields are refused, strings are bounded."""

    model_config = ConfigDict(extra="forbid", str_max_length=20_000)


def model_response(model: BaseModel, status: int = 200, exclude_none: bool = False) -> Response:
    """A reply already shaped by its model: serialized once (pydantic's Rust encoder), not re-validated."""
    return Response(model.model_dump_json(exclude_none=exclude_none), status_code=status,
                    media_type="application/json")
