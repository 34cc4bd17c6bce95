"""The event editor's Codes panel: VIP pre-sale links, access codes for hidden tiers, promo discounts.

Create a code (typed or generated) with what it does and its limits (components/code_form.py), see
each with its uses, edit, pause / resume, delete; hand on a code's link `/e/{slug}?code=CODE` with
"Copy link" and its QR code (components/share_link.py, as the door staff links); generate many
single-use codes at once and download them as CSV. Every call goes through `Services.off_loop`;
the rules (what a code may be, its limits) are the domain's (domain/access_codes.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from nicegui import ui

from eventflow.domain.access_codes import MAX_CODES_PER_BATCH, AccessCode, codes_csv
from eventflow.domain.errors import DomainError, NotFound, ValidationFailed
from eventflow.domain.links import event_url
from eventflow.domain.models import Event, Organizer, Tier
from eventflow.i18n import N_, _, error_text
from eventflow.pages.components.code_form import CodeForm, whole
from eventflow.pages.components.event_form import clear_errors, show_error
from eventflow.pages.components.formatting import money
from eventflow.pages.components.share_link import copy_button, link_text, qr_of
from eventflow.pages.components.staff_panel import local_time
from eventflow.services import Services

SHOWN = 50  # codes listed in the editor; a bulk batch of hundreds is in the CSV
STATE_WORDS = {
    "active": (N_("Active"), "bg-emerald-100 text-emerald-900"),
    "paused": (N_("Paused"), "bg-amber-100 text-amber-900"),
    "scheduled": (N_("Not yet active"), "bg-sky-100 text-sky-900"),
    "ended": (N_("Ended"), "bg-slate-200 text-slate-700"),
    "used_up": (N_("Used up"), "bg-slate-200 text-slate-700"),
    "deleted": (N_("Deleted"), "bg-slate-200 text-slate-700"),
}


def codes_panel(services: Services, organizer: Organizer, event: Event) -> None:
    """The one-line hook of the event editor."""
    CodesPanel(services, organizer, event).build()


def code_url(public_url: str, event: Event, code: str) -> str:
    return f"{event_url(public_url, event.slug)}?code={quote(code, safe='')}"


def what_it_does(code: AccessCode, tiers: dict[str, Tier], currency: str) -> str:
    """"Unlocks VIP Lounge · 25% off every tier" in the organizer's words."""
    parts = []
    if code.unlocks_tiers is None:
        parts.append(_("Unlocks every hidden tier"))
    elif code.unlocks_tiers:
        parts.append(_("Unlocks {tiers}").format(tiers=", ".join(
            tiers[t].name if t in tiers else _("a removed tier") for t in code.unlocks_tiers)))
    if code.has_discount:
        names = None if code.discount_tiers is None else ", ".join(
            tiers[t].name if t in tiers else _("a removed tier") for t in code.discount_tiers)
        if code.discount_percent:
            parts.append(_("{percent}% off {tiers}").format(percent=code.discount_percent,
                                                            tiers=names or _("every tier")))
        else:
            off = money(code.discount_minor or 0, currency)
            parts.append(_("{amount} off each ticket of {tiers}").format(amount=off, tiers=names) if names
                         else _("{amount} off each ticket").format(amount=off))
    return " · ".join(parts)


def limits_text(code: AccessCode, event: Event) -> str:
    counted = _("one per ticket") if code.uses_count.value == "tickets" else _("one per order")
    uses = (_("{uses} / {limit} uses").format(uses=code.uses, limit=code.max_uses) if code.max_uses is not None
            else _("{uses} uses, no limit").format(uses=code.uses))
    parts = [f"{uses} ({counted})"]
    if code.held_uses:
        parts.append(_("{count} held at checkout").format(count=code.held_uses))
    if code.max_per_order:
        parts.append(_("up to {count} tickets per order").format(count=code.max_per_order))
    if code.valid_from:
        parts.append(_("from {time}").format(time=local_time(code.valid_from, event)))
    if code.valid_until:
        parts.append(_("until {time}").format(time=local_time(code.valid_until, event)))
    if code.valid_from or code.valid_until:
        parts.append(_("times in {timezone}").format(timezone=event.timezone))
    return " · ".join(parts)


class CodesPanel:
    def __init__(self, services: Services, organizer: Organizer, event: Event) -> None:
        self.services, self.organizer, self.event = services, organizer, event
        self.codes = services.codes
        self.tiers: dict[str, Tier] = {}

    def build(self) -> None:
        with ui.card().classes("w-full gap-2").props("data-testid=codes-panel"):
            with ui.row().classes("w-full items-center justify-between"):
                ui.label(_("Codes")).classes("text-lg font-semibold")
                ui.button(_("Download CSV"), icon="download", on_click=self.download_all) \
                    .props("flat dense data-testid=codes-csv")
            ui.label(_("A code unlocks hidden tiers (a VIP pre-sale), gives a discount, or both. Share its link: "
                       "it opens the event page with the code applied.")).classes("text-sm text-slate-600")
            self.listing = ui.column().classes("w-full gap-0").props("data-testid=codes-list")
            with ui.expansion(_("New code"), icon="add").classes("w-full border border-slate-300 rounded mt-2") \
                    .props("data-testid=codes-new") as self.new:
                self.new_area = ui.column().classes("w-full gap-2")
        ui.timer(0.05, self.reload, once=True)

    # ------------------------------------------------------------ reading
    async def reload(self) -> None:
        organizer_id, event_id = self.organizer.id, self.event.id

        def read() -> tuple[list[Tier], list[AccessCode]]:
            return self.services.queries.tiers(event_id), self.codes.list(organizer_id, event_id)

        try:
            tiers, codes = await self.services.off_loop(read)
        except NotFound:  # the draft was deleted meanwhile (its editor is on the way to the dashboard)
            return
        self.tiers = {t.id: t for t in tiers}
        self.show(codes)
        self.new_form(tiers)

    def show(self, codes: list[AccessCode]) -> None:
        self.listing.clear()
        now = self.services.ticketing.clock.now()
        with self.listing:
            if not codes:
                ui.label(_("No codes yet.")).classes("text-slate-500")
            for code in codes[:SHOWN]:
                self.row(code, code.state_at(now))
            if len(codes) > SHOWN:
                ui.label(_("… and {count} more: all of them are in the CSV.").format(count=len(codes) - SHOWN)) \
                    .classes("text-slate-600")

    def row(self, code: AccessCode, state: str) -> None:
        word, colours = STATE_WORDS.get(state, (state, ""))
        with ui.row().classes("w-full items-center justify-between gap-2 border-b border-slate-200 py-2") \
                .props(f"data-testid=code-row-{code.id}"):
            with ui.column().classes("gap-0 grow min-w-[14rem]"):
                with ui.row().classes("items-center gap-2"):
                    ui.label(code.code).classes("font-mono font-semibold")
                    ui.label(_(word)).classes(f"rounded px-2 py-0.5 text-xs font-semibold {colours}") \
                        .props(f"data-testid=code-state-{code.id}")
                    if code.label:
                        ui.label(code.label).classes("text-sm text-slate-600")
                ui.label(what_it_does(code, self.tiers, self.event.currency)).classes("text-sm")
                ui.label(limits_text(code, self.event)).classes("text-xs text-slate-600") \
                    .props(f"data-testid=code-uses-{code.id}")
            with ui.row().classes("gap-0 items-center"):
                ui.button(_("Link"), icon="qr_code_2", on_click=lambda: self.show_link(code)) \
                    .props(f"flat dense data-testid=code-share-{code.id}")
                pause = _("Resume") if code.paused else _("Pause")
                ui.button(pause, on_click=lambda: self.act(self.codes.resume if code.paused else self.codes.pause,
                                                           code)).props(f"flat dense data-testid=code-pause-{code.id}")
                edit_words, delete_words = _("Edit {code}").format(code=code.code), _("Delete {code}").format(
                    code=code.code)
                ui.button(icon="edit", on_click=lambda: self.edit(code)) \
                    .props(f"flat dense round aria-label='{edit_words}' data-testid=code-edit-{code.id}")
                ui.button(icon="delete", on_click=lambda: self.confirm_delete(code)) \
                    .props(f"flat dense round color=negative aria-label='{delete_words}' "
                           f"data-testid=code-delete-{code.id}")

    # ------------------------------------------------------------ a code's link
    def show_link(self, code: AccessCode) -> None:
        link = code_url(self.services.settings.public_url, self.event, code.code)
        with ui.dialog() as dialog, ui.card().classes("w-[26rem] max-w-full items-center gap-3") \
                .props("data-testid=code-link-dialog"):
            ui.label(_("Link for {code}").format(code=code.code)).classes("text-lg font-semibold self-start")
            ui.label(_("Opens the event page with the code applied: send it in a mail or print the QR code "
                       "on a poster.")).classes("text-sm text-slate-600")
            link_text(link, "code-link")
            qr_of(link, "code-qr", _("the link with code {code}").format(code=code.code))
            with ui.row().classes("w-full justify-between"):
                copy_button("code-link", "copy-code-link")
                ui.button(_("Close"), on_click=dialog.close).props("flat")
        dialog.open()

    # ------------------------------------------------------------ changes
    async def act(self, action: Callable[[str, str, str], object], code: AccessCode) -> None:
        try:
            await self.services.off_loop(action, self.organizer.id, self.event.id, code.id)
        except DomainError as problem:
            ui.notify(error_text(problem), type="negative")
        await self.reload()

    def confirm_delete(self, code: AccessCode) -> None:
        with ui.dialog() as dialog, ui.card():
            ui.label(_("Delete {code}?").format(code=code.code)).classes("text-lg font-semibold")
            ui.label(_("Its link stops working. Orders already made with it keep their tickets.")) \
                .classes("text-sm text-slate-600")

            async def delete() -> None:
                dialog.close()
                await self.act(self.codes.delete, code)

            with ui.row().classes("w-full justify-end"):
                ui.button(_("Keep it"), on_click=dialog.close).props("flat")
                ui.button(_("Delete"), on_click=delete).props("color=negative data-testid=code-delete-confirm")
        dialog.open()

    def edit(self, code: AccessCode) -> None:
        with ui.dialog() as dialog, ui.card().classes("w-[44rem] max-w-full").props("data-testid=code-edit-dialog"):
            ui.label(_("Edit {code}").format(code=code.code)).classes("text-lg font-semibold")
            form = CodeForm(self.event, list(self.tiers.values()), code, "edit")
            banner = ui.label().classes("text-red-700").props("data-testid=code-error-edit")

            async def save() -> None:
                if await self.submit(form, banner, lambda: self.services.off_loop(
                        self.codes.update, self.organizer.id, self.event.id, code.id, **form.changes())):
                    dialog.close()

            with ui.row().classes("w-full justify-end"):
                ui.button(_("Cancel"), on_click=dialog.close).props("flat")
                ui.button(_("Save"), on_click=save).props("data-testid=code-save-edit")
        dialog.open()

    async def submit(self, form: CodeForm, banner: ui.label, call: Callable[[], Awaitable[object]]) -> bool:
        """Run a save; messages next to their fields. True when it was saved."""
        clear_errors(form.fields, banner)
        try:
            await call()
        except DomainError as problem:
            show_error(form.fields, problem, banner)
            return False
        await self.reload()
        return True

    # ------------------------------------------------------------ new codes, one or many
    def new_form(self, tiers: list[Tier]) -> None:
        self.new_area.clear()
        with self.new_area:
            form = CodeForm(self.event, tiers, None, "new")
            banner = ui.label().classes("text-red-700").props("data-testid=code-error-new")

            async def create() -> None:
                if await self.submit(form, banner, lambda: self.services.off_loop(
                        self.codes.create, self.organizer.id, self.event.id, form.settings())):
                    ui.notify(_("Code created"), type="positive")

            ui.button(_("Create code"), icon="add", on_click=create).props("data-testid=code-create")
            ui.separator()
            ui.label(_("Many single-use codes at once (a guest list, sponsors): each works for one order unless "
                       "you set total uses above; downloaded as CSV with each one's link.")) \
                .classes("text-sm text-slate-600")
            with ui.row().classes("items-start gap-2"):
                count = ui.number(_("How many"), value=10, min=1, max=MAX_CODES_PER_BATCH, precision=0) \
                    .props("outlined dense data-testid=code-count").classes("w-32")
                form.fields["count"] = count

                async def generate() -> None:
                    made: list[AccessCode] = []

                    async def run() -> None:
                        number = whole(count.value, "count") or 0
                        if not 1 <= number <= MAX_CODES_PER_BATCH:
                            raise ValidationFailed(_("Between 1 and {count}").format(count=MAX_CODES_PER_BATCH),
                                                   field="count")
                        made.extend(await self.services.off_loop(
                            self.codes.generate, self.organizer.id, self.event.id, number, form.settings(number)))

                    if await self.submit(form, banner, run):
                        self.download(made, f"{self.event.slug}-codes-{len(made)}.csv")
                        ui.notify(_("{count} codes made").format(count=len(made)), type="positive")

                ui.button(_("Generate and download CSV"), icon="download", on_click=generate) \
                    .props("outline data-testid=code-bulk")

    def download(self, codes: list[AccessCode], name: str) -> None:
        csv = codes_csv(codes, event_url(self.services.settings.public_url, self.event.slug))
        ui.download.content(csv.encode(), name, "text/csv")  # bytes: the file as is

    async def download_all(self) -> None:
        codes = await self.services.off_loop(self.codes.list, self.organizer.id, self.event.id)
        self.download(codes, f"{self.event.slug}-codes.csv")
