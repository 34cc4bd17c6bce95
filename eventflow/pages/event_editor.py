"""`/dashboard/events/new` and `/dashboard/events/{id}/edit`: the event form and its tiers.

Messages appear next to the field they are about; nothing is saved while any field is wrong.
Every save and read goes through the catalog off the event loop (`Services.off_loop`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from nicegui import events, ui
from starlette.responses import RedirectResponse

from eventflow.domain.errors import CapacityBelowSold, DomainError
from eventflow.domain.links import event_path
from eventflow.domain.models import Event, EventStatus, Organizer, Tier
from eventflow.domain.payments.records import ConnectedAccount
from eventflow.i18n import N_, _, error_text
from eventflow.pages.components.cancel_panel import CancelPanel
from eventflow.pages.components.codes_panel import codes_panel
from eventflow.pages.components.delete_buttons import delete_event_button, delete_tier_button
from eventflow.pages.components.email_check import email_check_notice
from eventflow.pages.components.embed_snippet import embed_panel
from eventflow.pages.components.event_form import EventForm, TierForm, clear_errors, mark_error, show_error
from eventflow.pages.components.event_tags import tags_panel
from eventflow.pages.components.flyer_panel import flyer_panel
from eventflow.pages.components.frame import frame
from eventflow.pages.components.questions_panel import questions_panel
from eventflow.pages.components.sale_settings_panel import sale_settings_panel
from eventflow.pages.components.session import require_organizer, require_own_event
from eventflow.pages.components.stripe_account import paid_sales_notice
from eventflow.pages.components.transfer_policy_panel import transfer_policy_panel
from eventflow.pages.components.wallet_pass_panel import wallet_pass_panel
from eventflow.services import Services

StatusChange = Callable[[str, str], Event]  # (organizer id, event id) -> the event after it


# The event's status in the organizer's words (the raw value is the API's): badge, what it means
# (English here; shown with _()).
STATUS_WORDS = {
    EventStatus.DRAFT: (N_("Draft"), N_("only you can see it; publish it to sell tickets"),
                        "bg-slate-200 text-slate-800"),
    EventStatus.PUBLISHED: (N_("On sale"), N_("published on its public page"), "bg-emerald-100 text-emerald-900"),
    EventStatus.CANCELLED: (N_("Cancelled"), N_("this event was cancelled: no sales, nobody gets in"),
                            "bg-red-100 text-red-900"),
}


class EventEditor:
    """The edit screen of one event: status, details, cover image, tiers."""

    def __init__(self, services: Services, organizer: Organizer, event: Event) -> None:
        self.services, self.catalog = services, services.catalog
        self.organizer, self.event = organizer, event

    def build(self, tiers: list[Tier], account: ConnectedAccount | None) -> None:
        event = self.event
        with ui.row().classes("w-full items-center justify-between"):
            ui.label(event.title).classes("text-2xl font-bold")
            ui.link(_("Open live dashboard →"), f"/dashboard/events/{event.id}")
        self.panel = CancelPanel(self.services, self.organizer, event, self.reread_status)
        self.status_bar(event)
        email_check_notice(self.services, self.organizer)  # publishing waits for it (pages/components/email_check.py)
        self.panel.build()
        if self.services.payments is not None:
            paid_sales_notice(account)
        self.details()
        self.tiers_editor(event, tiers)
        codes_panel(self.services, self.organizer, event)  # VIP links, access and promo codes (codes_panel.py)
        flyer_panel(self.services, self.organizer, event)  # pages/components/flyer_panel.py
        embed_panel(self.services.settings.public_url, event)  # the widget's snippet and preview
        tags_panel(self.services, self.organizer, event)  # categories browse filters on (event_tags.py)
        questions_panel(self.services, self.organizer, event)  # names per ticket, checkout questions
        sale_settings_panel(self.services, self.organizer, event)  # buyer limits, drop mode, waiting room
        transfer_policy_panel(self.services, self.organizer, event)  # may holders hand tickets on (issue 17)
        wallet_pass_panel(self.services, self.organizer, event)  # Apple Wallet passes, when set up (issue 17)

    # ------------------------------------------------------------ status
    @ui.refreshable_method
    def status_bar(self, current: Event) -> None:
        with ui.row().classes("items-center gap-3"):
            word, meaning, colours = STATUS_WORDS[current.status]
            with ui.row().classes("items-center gap-2").props("data-testid=status"):
                ui.label(_(word)).classes(f"rounded px-2 py-0.5 text-sm font-semibold {colours}")
                ui.label(_(meaning)).classes("text-sm text-slate-600")
            if current.status is EventStatus.DRAFT:
                ui.button(_("Publish"), icon="public", on_click=lambda: self.change(self.catalog.publish)) \
                    .props("color=positive data-testid=publish")
            elif current.status is EventStatus.PUBLISHED:
                ui.link(_("View public page"), event_path(current.slug), new_tab=True)
                ui.button(_("Unpublish"), on_click=lambda: self.change(self.catalog.unpublish)).props("flat")
            if current.status is EventStatus.PUBLISHED:
                ui.button(_("Postpone"), icon="event_repeat", on_click=self.panel.confirm_postpone).props(
                    "flat data-testid=postpone")
            if current.status is not EventStatus.CANCELLED:
                ui.button(_("Cancel event"), on_click=self.panel.confirm_cancel).props(
                    "flat color=negative data-testid=cancel-event")
            delete_event_button(self.services, self.organizer, current)  # drafts only (delete_buttons.py)

    async def change(self, action: StatusChange) -> None:
        try:
            current = await self.services.off_loop(action, self.organizer.id, self.event.id)
        except DomainError as problem:
            ui.notify(error_text(problem), type="negative")
            return
        self.status_bar.refresh(current)

    async def reread_status(self) -> None:
        """After a cancellation or postponement (pages/components/cancel_panel.py): the new status."""
        current = await self.services.off_loop(self.catalog.own_event, self.organizer.id, self.event.id)
        self.status_bar.refresh(current)

    # ------------------------------------------------------------ details and cover
    def details(self) -> None:
        with ui.card().classes("w-full"):
            ui.label(_("Details")).classes("text-lg font-semibold")
            form = EventForm(self.event, self.event.starts_at)
            banner = ui.label().classes("text-red-700").props("data-testid=form-error")

            async def save() -> None:
                clear_errors(form.fields, banner)
                try:
                    await self.services.off_loop(self.catalog.update_event, self.organizer.id, self.event.id,
                                                 **form.values())
                except DomainError as problem:
                    show_error(form.fields, problem, banner)
                    return
                ui.notify(_("Saved"), type="positive")

            ui.button(_("Save details"), on_click=save).props("data-testid=save-event")
            self.cover_upload()

    def cover_upload(self) -> None:
        covers, event_id = self.services.covers, self.event.id
        ui.label(_("Cover image")).classes("font-medium mt-2")
        preview = ui.image(f"/covers/{event_id}.jpg").classes("w-64 rounded")
        preview.set_visibility(covers.exists(event_id))

        async def uploaded(upload: events.UploadEventArguments) -> None:
            uploader.reset()  # the preview above shows the cover; the uploader's own thumbnail made it twice
            try:
                covers.save(event_id, await upload.file.read())
            except DomainError as problem:
                ui.notify(error_text(problem), type="negative")
                return
            preview.set_source(f"/covers/{event_id}.jpg?v={self.services.ticketing.clock.now().timestamp()}")
            preview.set_visibility(True)
            ui.notify(_("Cover image saved"), type="positive")

        upload_words = _("Upload JPEG or PNG")
        # The label as a parameter, not inside the props string: a translation with an apostrophe stays whole.
        uploader = ui.upload(on_upload=uploaded, auto_upload=True, max_file_size=8 * 1024 * 1024, label=upload_words,
                             on_rejected=lambda: ui.notify(_("This image is too large (at most 8 MB)"),
                                                           type="negative")) \
            .props("accept=image/* flat bordered data-testid=cover-upload").classes("w-64")

    # ------------------------------------------------------------ tiers
    async def reload_tiers(self) -> None:
        def read() -> tuple[Event, list[Tier]]:
            event_id = self.event.id
            return self.catalog.own_event(self.organizer.id, event_id), self.services.queries.tiers(event_id)

        self.tiers_editor.refresh(*await self.services.off_loop(read))

    @ui.refreshable_method
    def tiers_editor(self, current: Event, tiers: list[Tier]) -> None:
        with ui.card().classes("w-full gap-3"):
            ui.label(_("Ticket tiers")).classes("text-lg font-semibold")
            for tier in tiers:
                self.tier_row(current, tier, first=tier is tiers[0], last=tier is tiers[-1])
            ui.separator()
            ui.label(_("Add a tier")).classes("font-medium")
            form = TierForm(None, current)
            banner = ui.label().classes("text-red-700").props("data-testid=tier-error-new")

            async def add() -> None:
                clear_errors(form.fields, banner)
                try:
                    await self.services.off_loop(self.catalog.add_tier, self.organizer.id, self.event.id,
                                                 **form.values())
                except DomainError as problem:
                    show_error(form.fields, problem, banner)
                    return
                await self.reload_tiers()

            ui.button(_("Add tier"), icon="add", on_click=add).props("data-testid=add-tier")

    def tier_row(self, current: Event, tier: Tier, first: bool, last: bool) -> None:
        with ui.column().classes("w-full gap-1 border-b pb-2").props(f"data-testid=tier-row-{tier.id}"):
            form = TierForm(tier, current)
            with ui.row().classes("items-center gap-2 text-sm"):
                ui.label(_("{sold} sold · {held} held · {left} left").format(
                    sold=tier.sold, held=tier.held, left=tier.available)).classes("text-slate-600")
                banner = ui.label().classes("text-red-700").props(f"data-testid=tier-error-{tier.id}")

                async def save() -> None:
                    clear_errors(form.fields, banner)
                    try:
                        values = form.values()
                        await self.services.off_loop(self.catalog.update_tier, self.organizer.id, self.event.id,
                                                     tier.id, **values)
                    except CapacityBelowSold as problem:
                        mark_error(form.fields["capacity"], error_text(problem))
                        return
                    except DomainError as problem:
                        show_error(form.fields, problem, banner)
                        return
                    ui.notify(_("{name} saved").format(name=values["name"]), type="positive")
                    await self.reload_tiers()

                async def move(steps: int) -> None:
                    await self.services.off_loop(self.catalog.move_tier, self.organizer.id, self.event.id,
                                                 tier.id, steps)
                    await self.reload_tiers()

                ui.button(_("Save"), on_click=save).props(f"dense flat data-testid=save-tier-{tier.id}")
                up_words, down_words = _("Move up"), _("Move down")
                ui.button(icon="arrow_upward", on_click=lambda: move(-1)).props(
                    f"dense flat round aria-label='{up_words}' data-testid=up-{tier.id}").set_enabled(not first)
                ui.button(icon="arrow_downward", on_click=lambda: move(+1)).props(
                    f"dense flat round aria-label='{down_words}' data-testid=down-{tier.id}").set_enabled(not last)
                delete_tier_button(self.services, self.organizer, tier, self.reload_tiers)


def register(services: Services) -> None:
    @ui.page("/dashboard/events/new")
    async def new_event_page() -> RedirectResponse | None:
        organizer = await require_organizer(services, "/dashboard/events/new")
        if isinstance(organizer, RedirectResponse):
            return organizer
        now = services.ticketing.clock.now()
        default_start = (now + timedelta(days=14)).replace(minute=0, second=0, microsecond=0)
        with frame(_("New event"), organizer), ui.card().classes("w-full"):
            ui.label(_("New event")).classes("text-2xl font-bold")
            form = EventForm(None, default_start)
            banner = ui.label().classes("text-red-700").props("data-testid=form-error")

            async def create() -> None:
                clear_errors(form.fields, banner)
                try:
                    event = await services.off_loop(services.catalog.create_event, organizer.id, **form.values())
                except DomainError as problem:
                    show_error(form.fields, problem, banner)
                    return
                ui.navigate.to(f"/dashboard/events/{event.id}/edit")

            ui.button(_("Create event and add tiers"), on_click=create).props("data-testid=create-event")
        return None

    @ui.page("/dashboard/events/{event_id}/edit")
    async def edit_event_page(event_id: str) -> RedirectResponse | None:
        found = await require_own_event(services, event_id, f"/dashboard/events/{event_id}/edit")
        if not isinstance(found, tuple):
            return found  # to the login page, or the "no such event" page already shown
        organizer, event = found
        payments = services.payments

        def read() -> tuple[list[Tier], ConnectedAccount | None]:
            return services.queries.tiers(event.id), payments.account(organizer.id) if payments else None

        tiers, account = await services.off_loop(read)
        with frame(_("Edit {title}").format(title=event.title), organizer):
            EventEditor(services, organizer, event).build(tiers, account)
        return None
