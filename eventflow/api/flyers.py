"""Flyers of an organizer's event: generate (poster PDF, square post, story, captions), list, download,
use one as the event's cover.

`POST /events/{id}/flyers` answers 201 with a ready flyer: generation takes a second or two locally
(longer with the AI engine) and runs in FastAPI's thread pool, like every organizer route. Files
download with the same bearer token; another organizer's event or flyer is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi.responses import Response
from pydantic import BaseModel, Field

from eventflow.api.deps import PREFIX, OrganizerDep, ServicesDep, resource_router
from eventflow.api.errors import ERRORS
from eventflow.api.schemas import Strict, model_response
from eventflow.domain.errors import NotFound
from eventflow.domain.flyers import FILE_NAMES, Flyer, Flyers
from eventflow.services import Services

router = resource_router()
MEDIA_TYPES = {"pdf": "application/pdf", "png": "image/png"}


class FlyerIn(Strict):
    theme: str = Field(default="", max_length=200)  # free text: "jazz by the sea", "retro 80s"
    style: str = Field(default="", max_length=40)  # a template: classic | night | bold | pastel
    engine: Literal["local", "openai"] = "local"
    only: Literal["artwork", "captions"] | None = None  # remake this part, keep the other from based_on
    based_on: str | None = Field(default=None, max_length=64)  # a flyer of this event; default the latest
    paper: Literal["A4", "A3"] = "A4"  # the print poster's page size


class FlyerFilesOut(BaseModel):
    poster_pdf: str | None = None  # download URLs (same bearer token)
    square_png: str | None = None
    story_png: str | None = None


class CaptionsOut(BaseModel):
    instagram: list[str]
    x: list[str]  # at most 280 characters each (X; Bluesky allows 300)
    facebook: list[str]
    email: list[str]


class FlyerOut(BaseModel):
    id: str
    status: str  # ready
    engine: str  # the engine that made it: local when the AI engine failed or is not set up
    theme: str
    style: str
    created_at: datetime
    notice: str  # why another engine made it, else ""
    files: FlyerFilesOut
    captions: CaptionsOut
    hashtags: list[str]
    paper: str  # A4 or A3: the poster PDF's page


def file_url(flyer: Flyer, fmt: str) -> str:
    return f"{PREFIX}/events/{flyer.event_id}/flyers/{flyer.id}/{FILE_NAMES[fmt]}"


def flyer_out(flyer: Flyer) -> FlyerOut:
    return FlyerOut(
        id=flyer.id, status=flyer.status.value, engine=flyer.engine, theme=flyer.theme, style=flyer.style,
        created_at=flyer.created_at, notice=flyer.notice,
        files=FlyerFilesOut(**{fmt: file_url(flyer, fmt) for fmt in flyer.files}),
        captions=CaptionsOut(**{channel: list(texts) for channel, texts in flyer.captions.items()}),
        hashtags=list(flyer.hashtags), paper=flyer.paper)


def flyers_of(app: Services) -> Flyers:
    if app.flyers is None:
        raise NotFound("Flyers are not available on this server")
    return app.flyers


@router.post("/events/{event_id}/flyers", status_code=201, response_model=FlyerOut, responses=ERRORS)
def generate_flyer(event_id: str, body: FlyerIn, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """Make a flyer now: an A4 (or `paper` A3) poster PDF, a 1080x1080 post, a 1080x1920 story and 3
    captions per channel in the description's language (with `only`, just the artwork or just the captions,
    the rest kept from `based_on`: a new flyer either way, the earlier one stays). 409 while another flyer
    of this event is being made, here or on another instance."""
    flyer = flyers_of(app).generate(organizer_id, event_id, body.theme, body.style, body.engine, body.only,
                                    body.based_on, body.paper)
    return model_response(flyer_out(flyer), status=201)


@router.get("/events/{event_id}/flyers", response_model=list[FlyerOut], responses=ERRORS)
def list_flyers(event_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> list[FlyerOut]:
    """The event's flyers, newest first; earlier ones stay downloadable."""
    return [flyer_out(f) for f in flyers_of(app).flyers(organizer_id, event_id)]


@router.get("/events/{event_id}/flyers/{flyer_id}", response_model=FlyerOut, responses=ERRORS)
def get_flyer(event_id: str, flyer_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> FlyerOut:
    return flyer_out(flyers_of(app).flyer(organizer_id, event_id, flyer_id))


@router.get("/events/{event_id}/flyers/{flyer_id}/{file_name}", responses=ERRORS,
            response_class=Response)
def download_flyer_file(event_id: str, flyer_id: str, file_name: str, app: ServicesDep,
                        organizer_id: OrganizerDep) -> Response:
    """poster.pdf, square.png or story.png."""
    if file_name not in FILE_NAMES.values():
        raise NotFound("No such flyer file")
    data = flyers_of(app).file(organizer_id, event_id, flyer_id, file_name)
    return Response(data, media_type=MEDIA_TYPES[file_name.rsplit(".", 1)[1]], headers={
        "Content-Disposition": f'attachment; filename="{flyer_id}-{file_name}"', "Cache-Control": "private"})


class CaptionIn(Strict):
    channel: Literal["instagram", "x", "facebook", "email"]
    index: int = Field(ge=0, le=9)  # which variant: 0, 1 or 2
    text: str = Field(min_length=1, max_length=2200)  # X variants: at most 280


@router.patch("/events/{event_id}/flyers/{flyer_id}/captions", response_model=FlyerOut, responses=ERRORS)
def edit_caption(event_id: str, flyer_id: str, body: CaptionIn, app: ServicesDep,
                 organizer_id: OrganizerDep) -> FlyerOut:
    """Keep the organizer's wording of one caption variant; the flyer answered with it (404 for a variant
    the flyer does not have, 422 for an X caption over 280 characters)."""
    return flyer_out(flyers_of(app).edit_caption(organizer_id, event_id, flyer_id, body.channel, body.index,
                                                 body.text))


@router.post("/events/{event_id}/flyers/{flyer_id}/cover", status_code=204, responses=ERRORS)
def use_flyer_as_cover(event_id: str, flyer_id: str, app: ServicesDep, organizer_id: OrganizerDep) -> Response:
    """The flyer's square post becomes the event's cover and social-share image."""
    flyers_of(app).use_as_cover(organizer_id, event_id, flyer_id)
    return Response(status_code=204)
