"""The event editor's Flyer panel: pick a template and a theme, Generate, see the post and the story,
edit (kept when the box is left) and copy captions, download the poster PDF / square post / story, use
one as the event's cover; earlier flyers stay listed and downloadable.

Generation runs in a worker thread (`Services.in_thread`: seconds of drawing, or the AI service's
answer) while the page shows its progress; the domain allows one generation at a time per event.
"""

from __future__ import annotations

import base64
import io

from nicegui import ui
from PIL import Image

from eventflow.domain.errors import DomainError
from eventflow.domain.flyers import A4, ARTWORK, CAPTIONS, CHANNELS, FILE_NAMES, PAPERS, THEMES, Flyer, Flyers
from eventflow.domain.models import Event, Organizer
from eventflow.i18n import N_, _, error_text
from eventflow.pages.components.marks import day_and_time
from eventflow.services import Services

CHANNEL_NAMES = {"instagram": "Instagram", "x": "X / Bluesky", "facebook": "Facebook", "email": N_("Mail intro")}
DOWNLOADS = (("poster_pdf", N_("Poster ({paper} PDF)"), "picture_as_pdf"),
             ("square_png", N_("Square post"), "crop_square"), ("story_png", N_("Story"), "smartphone"))
THUMB = 280
# The local designer's templates (domain/flyers.py THEMES) by name
THEME_NAMES = {"classic": N_("Classic"), "night": N_("Night"), "bold": N_("Bold"), "pastel": N_("Pastel")}


def flyer_panel(services: Services, organizer: Organizer, event: Event) -> None:
    """The one-line hook of the event editor; nothing when flyers are not wired."""
    if services.flyers is not None:
        FlyerPanel(services, services.flyers, organizer, event).build()


class FlyerPanel:
    def __init__(self, services: Services, flyers: Flyers, organizer: Organizer, event: Event) -> None:
        self.services, self.flyers, self.organizer, self.event = services, flyers, organizer, event
        self.saved: dict[tuple[str, str, int], str] = {}  # (flyer, channel, variant) -> the stored text

    def build(self) -> None:
        with ui.card().classes("w-full gap-2").props("data-testid=flyer-panel"):
            ui.label(_("Flyer")).classes("text-lg font-semibold")
            ui.label(_("A print poster, a square post and a story with your title, date, venue, lowest price and "
                       "a QR code of your event page, plus captions to post.")).classes("text-sm text-slate-600")
            with ui.row().classes("items-end gap-3 w-full"):
                self.style = ui.select({t: _(THEME_NAMES.get(t, t.capitalize())) for t in THEMES}, value=THEMES[0],
                                       label=_("Template")) \
                    .props("dense outlined data-testid=flyer-style").classes("w-36")
                self.theme = ui.input(_("Theme (optional)"), placeholder=_("e.g. jazz by the sea")) \
                    .props("dense outlined maxlength=200 data-testid=flyer-theme").classes("grow")
                self.paper = ui.select({p: _("{paper} poster").format(paper=p) for p in PAPERS}, value=A4,
                                       label=_("Print size")) \
                    .props("dense outlined data-testid=flyer-paper").classes("w-32")
                engines = {"local": _("Local designer")}
                if "openai" in self.flyers.engines:
                    engines["openai"] = _("AI artwork")
                self.engine = ui.toggle(engines, value="local").props("dense data-testid=flyer-engine")
                self.engine.set_visibility(len(engines) > 1)
                self.button = ui.button(_("Generate"), icon="auto_awesome", on_click=self.generate) \
                    .props("data-testid=flyer-generate")
            with ui.row().classes("items-center gap-2") as self.progress:
                ui.spinner(size="sm")
                ui.label(_("Designing your flyer…")).props("data-testid=flyer-progress")
            self.progress.set_visibility(False)
            self.result = ui.column().classes("w-full gap-2").props("data-testid=flyer-result")
            self.history = ui.column().classes("w-full gap-1").props("data-testid=flyer-history")
        ui.timer(0.1, self.show_latest, once=True)

    async def show_latest(self) -> None:
        listed = await self.services.off_loop(self.flyers.flyers, self.organizer.id, self.event.id)
        if listed:
            await self.show(listed[0])
        self.show_history(listed)

    async def generate(self, only: str | None = None, based_on: str | None = None) -> None:
        self.button.disable()
        self.progress.set_visibility(True)
        try:
            flyer = await self.services.in_thread(
                self.flyers.generate, self.organizer.id, self.event.id, self.theme.value or "",
                self.style.value or THEMES[0], self.engine.value or "local", only, based_on, self.paper.value or A4)
        except DomainError as problem:
            ui.notify(error_text(problem), type="negative")
            return
        finally:
            self.button.enable()
            self.progress.set_visibility(False)
        await self.show(flyer)
        self.show_history(await self.services.off_loop(self.flyers.flyers, self.organizer.id, self.event.id))
        ui.notify(_("Flyer ready"), type="positive")

    async def show(self, flyer: Flyer) -> None:
        square = await self.services.in_thread(self.thumbnail, flyer, "square_png")
        story = await self.services.in_thread(self.thumbnail, flyer, "story_png")
        self.result.clear()
        with self.result:
            if flyer.notice:
                ui.label(flyer.notice).classes("text-amber-800").props("data-testid=flyer-notice")
            with ui.row().classes("gap-3 items-start"):
                ui.image(square).classes(f"w-[{THUMB}px] rounded shadow").props(
                    "no-transition no-spinner data-testid=flyer-square")
                ui.image(story).classes(f"w-[{THUMB * 9 // 16}px] rounded shadow").props("no-transition no-spinner")
                with ui.column().classes("gap-1"):
                    for fmt, label, icon in DOWNLOADS:
                        ui.button(_(label).format(paper=flyer.paper), icon=icon,
                                  on_click=lambda f=fmt: self.download(flyer, f)) \
                            .props(f"flat dense data-testid=flyer-download-{fmt.split('_')[0]}")
                    ui.button(_("Use as cover"), icon="wallpaper", on_click=lambda: self.use_as_cover(flyer)) \
                        .props("flat dense data-testid=flyer-cover")
                    ui.button(_("New artwork"), icon="palette", on_click=lambda: self.generate(ARTWORK, flyer.id)) \
                        .props("flat dense data-testid=flyer-new-artwork")
                    ui.button(_("New captions"), icon="edit_note", on_click=lambda: self.generate(CAPTIONS, flyer.id)) \
                        .props("flat dense data-testid=flyer-new-captions")
            self.captions(flyer)

    def captions(self, flyer: Flyer) -> None:
        with ui.tabs().classes("w-full") as tabs:
            panes = {channel: ui.tab(channel, _(CHANNEL_NAMES[channel])) for channel in CHANNELS}
        with ui.tab_panels(tabs, value=panes[CHANNELS[0]]).classes("w-full"):
            for channel in CHANNELS:
                with ui.tab_panel(panes[channel]).classes("gap-2"):
                    for n, text in enumerate(flyer.captions.get(channel, ())):
                        with ui.row().classes("w-full items-start no-wrap"):
                            box = ui.textarea(value=text).props(
                                f"outlined autogrow dense data-testid=caption-{channel}-{n}").classes("grow")
                            self.saved[(flyer.id, channel, n)] = text
                            box.on("blur", lambda _e, b=box, c=channel, i=n: self.save_caption(flyer, c, i, b.value))
                            ui.button(icon="content_copy", on_click=lambda b=box: self.copy(b.value or "")) \
                                .props("flat dense round").tooltip(_("Copy"))
        if flyer.hashtags:
            tags = " ".join(flyer.hashtags)
            with ui.row().classes("items-center gap-1"):
                ui.label(tags).classes("text-sm text-slate-600").props("data-testid=flyer-hashtags")
                ui.button(icon="content_copy", on_click=lambda: self.copy(tags)).props("flat dense round size=sm") \
                    .tooltip(_("Copy hashtags"))

    async def save_caption(self, flyer: Flyer, channel: str, index: int, value: str | None) -> None:
        """Keep an edited caption with the flyer (nothing to do when the text is as stored)."""
        text = (value or "").strip()
        if text == self.saved.get((flyer.id, channel, index)):
            return
        try:
            await self.services.off_loop(self.flyers.edit_caption, self.organizer.id, self.event.id, flyer.id,
                                         channel, index, text)
        except DomainError as problem:
            ui.notify(error_text(problem), type="negative")
            return
        self.saved[(flyer.id, channel, index)] = text
        ui.notify(_("Caption saved"))

    def show_history(self, listed: list[Flyer]) -> None:
        self.history.clear()
        if len(listed) < 2:
            return
        with self.history:
            ui.label(_("Earlier flyers")).classes("font-medium mt-2")
            for flyer in listed[1:]:
                with ui.row().classes("items-center gap-2 text-sm"):
                    when = day_and_time(flyer.created_at, "%d %b %Y %H:%M UTC")
                    ui.label(f"{when} · {flyer.style} · {flyer.engine}")
                    ui.button(_("Show"), on_click=lambda f=flyer: self.show(f)).props("flat dense")
                    for fmt, label, _icon in DOWNLOADS:
                        ui.button(_(label).format(paper=flyer.paper),
                                  on_click=lambda f=flyer, x=fmt: self.download(f, x)).props("flat dense")

    def thumbnail(self, flyer: Flyer, fmt: str) -> str:
        """A JPEG data URL at twice the shown size (sharp on high-density screens, a few dozen KB)."""
        data = self.flyers.file(self.organizer.id, self.event.id, flyer.id, fmt)
        with Image.open(io.BytesIO(data)) as image:
            small = image.convert("RGB")
        small.thumbnail((THUMB * 2, THUMB * 2 * 16 // 9))
        out = io.BytesIO()
        small.save(out, "JPEG", quality=85)
        return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()

    async def download(self, flyer: Flyer, fmt: str) -> None:
        try:
            data = await self.services.in_thread(self.flyers.file, self.organizer.id, self.event.id, flyer.id, fmt)
        except DomainError as problem:
            ui.notify(error_text(problem), type="negative")
            return
        ui.download.content(data, f"{self.event.slug}-{FILE_NAMES[fmt]}")

    async def use_as_cover(self, flyer: Flyer) -> None:
        try:
            await self.services.in_thread(self.flyers.use_as_cover, self.organizer.id, self.event.id, flyer.id)
        except DomainError as problem:
            ui.notify(error_text(problem), type="negative")
            return
        ui.notify(_("The square post is now the event's cover and share image"), type="positive")

    @staticmethod
    def copy(text: str) -> None:
        ui.clipboard.write(text)
        ui.notify(_("Copied"))
