"""What every resource's schemas share: strict request bodies and replies serialized once.

The hottest routes (a ticket drop's reservations) read their body with `json_body` instead of a
FastAPI body parameter: pydantic parses and validates the raw bytes in one Rust pass, where FastAPI
decodes with `json` first and then validates the Python objects, and solves a dependency for it.
Errors are raised exactly as FastAPI's body parameter raises them (same `RequestValidationError`,
so the same 400/422 replies), and `documented_body` keeps the request body in the OpenAPI schema."""

from __future__ import annotations

import email.message
import json
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any, TypeVar

from fastapi import HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, ValidationError
from pydantic_core import to_json

from eventflow.domain.dates import instant_problem

Body = TypeVar("Body", bound=BaseModel)
_NO_BODY = object()  # an empty body ("Field required"), unlike a JSON null (validated, and refused)


class Strict(BaseModel):
    """A request body: unknown fields are refused, strings are bounded."""

    model_config = ConfigDict(extra="forbid", str_max_length=20_000)


def model_response(model: BaseModel, status: int = 200, exclude_none: bool = False) -> Response:
    """A reply already shaped by its model: serialized once (pydantic's Rust encoder), not re-validated."""
    return Response(model.model_dump_json(exclude_none=exclude_none), status_code=status,
                    media_type="application/json")


def json_response(content: Any, status: int = 200) -> Response:
    """A reply from plain values (dicts, lists, str, int, datetimes), encoded by pydantic's Rust
    encoder: the same bytes a response model of the same fields gives, without building the model."""
    return Response(to_json(content), status_code=status, media_type="application/json")


@lru_cache(maxsize=64)
def _is_json(content_type: str | None) -> bool:
    """FastAPI's rule for a body it decodes as JSON: application/json or application/*+json."""
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


async def json_body(request: Request, model: type[Body]) -> Body:
    """The request body as `model`, validated straight from the bytes. Anything that does not pass
    takes FastAPI's own path (`json.loads`, then validation) so the error is the one a body
    parameter would raise, word for word: 400 for malformed JSON, 422 naming the fields."""
    body = await request.body()
    content_type = request.headers.get("content-type")
    if body and _is_json(content_type):
        try:
            return model.model_validate_json(body)
        except ValidationError:
            pass
    return _as_fastapi_reads(body, _is_json(content_type), model)


def _as_fastapi_reads(body: bytes, is_json: bool, model: type[Body]) -> Body:
    """fastapi.routing's body handling (strict content type, the default) and its errors."""
    value: Any = _NO_BODY
    if body:
        if is_json:
            try:
                value = json.loads(body)
            except json.JSONDecodeError as error:
                raise RequestValidationError([{
                    "type": "json_invalid", "loc": ("body", error.pos), "msg": "JSON decode error",
                    "input": {}, "ctx": {"error": error.msg}}], body=error.doc) from error
            except ValueError as error:  # not text at all (UnicodeDecodeError): FastAPI's 400
                raise HTTPException(status_code=400, detail="There was an error parsing the body") from error
        else:
            value = body  # not JSON: validated as the bytes it is (and refused: not an object)
    if value is _NO_BODY:
        raise RequestValidationError([{"type": "missing", "loc": ("body",), "msg": "Field required",
                                       "input": None}])
    try:
        return model.model_validate(value, from_attributes=True)  # as FastAPI validates a body field
    except ValidationError as error:
        raise RequestValidationError(
            [{**problem, "loc": ("body", *problem["loc"])} for problem in error.errors()], body=value
        ) from None


def documented_body(model: type[BaseModel]) -> dict[str, Any]:
    """`openapi_extra` documenting `model` as the required JSON request body of a route that reads
    it with `json_body` (the schema inlined: FastAPI only lists body parameters' models in components)."""
    schema = model.model_json_schema(mode="validation")
    definitions = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {key: inline(value) for key, value in node.items()}
        if isinstance(node, list):
            return [inline(value) for value in node]
        return node

    return {"requestBody": {"required": True, "content": {"application/json": {"schema": inline(schema)}}}}


def path_parameter(name: str) -> dict[str, Any]:
    """The OpenAPI entry FastAPI writes for a `name: str` path parameter, for a route that reads it
    from `request.path_params` instead (its router still matches `{name}` as any non-empty segment)."""
    return {"name": name, "in": "path", "required": True,
            "schema": {"type": "string", "title": name.replace("_", " ").title()}}


def _in_catalog_range(instant: datetime) -> datetime:
    """The catalogue's date rule (domain/dates.py) at the edge, so the 422 names the field."""
    problem = instant_problem(instant)
    if problem:
        raise ValueError(problem)
    return instant


# An instant with a timezone, within the years the catalogue accepts (2000..2100).
CatalogInstant = Annotated[AwareDatetime, AfterValidator(_in_catalog_range)]
