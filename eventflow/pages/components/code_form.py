"""The Codes panel's form (pages/components/codes_panel.py): one code's text, what it does and its
limits, read into the `CodeSettings` the domain checks (domain/access_codes.py).

Amounts are typed in the event's currency, dates in the event's timezone (as the tier form's);
the domain's `ValidationFailed(field=...)` lands next to the field it is about."""

from __future__ import annotations

from typing import Any

from nicegui import ui
from nicegui.elements.mixins.value_element import ValueElement

from eventflow.domain.access_codes import AccessCode, CodeSettings, UsesCount, generate_code
from eventflow.domain.errors import ValidationFailed
from eventflow.domain.models import Event, Tier
from eventflow.domain.money import parse_amount
from eventflow.i18n import N_, _
from eventflow.pages.components.event_form import amount_text, local_input, parse_local
from eventflow.pages.components.marks import pgettext

DISCOUNT_KINDS = {"percent": N_("% off"), "amount": N_("Amount off")}


def whole(value: Any, field: str, low: int = 1) -> int | None:
    """A number input's value as a whole number (None when left empty)."""
    if value in (None, ""):
        return None
    if float(value) != int(float(value)) or int(float(value)) < low:
        raise ValidationFailed(_("A whole number of at least {low}").format(low=low), field=field)
    return int(float(value))


class CodeForm:
    """The fields of a new code (`code` None) or of an existing one (its text cannot change)."""

    def __init__(self, event: Event, tiers: list[Tier], code: AccessCode | None, key: str) -> None:
        self.event, self.code = event, code
        self.fields: dict[str, ValueElement] = {}
        hidden = {t.id: t.name for t in tiers if t.hidden}
        every = {t.id: t.name for t in tiers}
        f = self.fields
        with ui.column().classes("w-full gap-2"):
            if code is None:
                with ui.row().classes("w-full items-start gap-2 no-wrap"):
                    f["code"] = ui.input(_("Code"), placeholder=_("empty: one is made for you")).props(
                        f"outlined dense maxlength=40 autocapitalize=characters data-testid=code-text-{key}") \
                        .classes("grow")
                    ui.button(_("Generate"), icon="casino", on_click=lambda: f["code"].set_value(generate_code())) \
                        .props(f"flat dense data-testid=code-generate-{key}")
            self.unlock = ui.checkbox(_("Unlocks hidden tiers (VIP pre-sale)"),
                                      value=code.unlocks_tiers != () if code else bool(hidden)) \
                .props(f"data-testid=code-unlock-{key}")
            f["unlocks_tiers"] = ui.select(hidden, multiple=True, label=_("Which hidden tiers (empty: all of them)"),
                                           value=list(code.unlocks_tiers or ()) if code else []) \
                .props(f"outlined dense use-chips data-testid=code-unlocks-{key}").classes("w-full")
            f["unlocks_tiers"].bind_visibility_from(self.unlock, "value")
            if not hidden:
                ui.label(_("No tier is hidden yet: tick 'Hidden (link only)' on a tier above for a pre-sale.")) \
                    .classes("text-xs text-slate-500").bind_visibility_from(self.unlock, "value")
            self.discount = ui.checkbox(_("Gives a discount"), value=bool(code and code.has_discount)) \
                .props(f"data-testid=code-discount-{key}")
            with ui.row().classes("w-full items-start gap-2") as discount_row:
                self.kind = ui.toggle({kind: _(words) for kind, words in DISCOUNT_KINDS.items()},
                                      value="amount" if code and code.discount_minor else "percent") \
                    .props(f"dense no-caps data-testid=code-kind-{key}")
                f["discount_percent"] = ui.input(_("How much"), value=self.discount_text()).props(
                    f"outlined dense inputmode=decimal data-testid=code-amount-{key}").classes("w-32")
                f["discount_minor"] = f["discount_percent"]  # one input, either kind
                f["discount_tiers"] = ui.select(every, multiple=True, label=_("On which tiers (empty: all)"),
                                                value=list(code.discount_tiers or ()) if code else []) \
                    .props(f"outlined dense use-chips data-testid=code-discount-tiers-{key}") \
                    .classes("grow min-w-[12rem]")
            discount_row.bind_visibility_from(self.discount, "value")
            with ui.row().classes("w-full items-start gap-2"):
                f["max_uses"] = ui.number(_("Total uses (empty: no limit)"), value=code.max_uses if code else None,
                                          min=1, precision=0).props(f"outlined dense data-testid=code-max-uses-{key}") \
                    .classes("w-52")
                ui.label(_("a use is one")).classes("self-center text-sm text-slate-600")
                uses_count = {UsesCount.TICKETS.value: pgettext("a use is one", "ticket"),
                              UsesCount.ORDERS.value: pgettext("a use is one", "order")}
                f["uses_count"] = ui.toggle(uses_count,
                                            value=code.uses_count.value if code else "tickets") \
                    .props(f"dense no-caps data-testid=code-uses-count-{key}").classes("self-center")
                f["max_per_order"] = ui.number(_("Tickets per order"), value=code.max_per_order if code else None,
                                               min=1, precision=0) \
                    .props(f"outlined dense data-testid=code-per-order-{key}").classes("w-40")
            with ui.row().classes("w-full items-start gap-2"):
                tz = event.timezone
                f["valid_from"] = ui.input(_("Valid from ({timezone})").format(timezone=tz),
                                           value=local_input(code.valid_from if code else None, tz)) \
                    .props(f"type=datetime-local outlined dense stack-label clearable data-testid=code-from-{key}") \
                    .classes("w-60")
                f["valid_until"] = ui.input(_("Valid until ({timezone})").format(timezone=tz),
                                            value=local_input(code.valid_until if code else None, tz)) \
                    .props(f"type=datetime-local outlined dense stack-label clearable data-testid=code-until-{key}") \
                    .classes("w-60")
            f["label"] = ui.input(_("Note (who it is for)"), value=code.label if code else "").props(
                f"outlined dense maxlength=120 data-testid=code-label-{key}").classes("w-full")

    def discount_text(self) -> str:
        code = self.code
        if code is None or not code.has_discount:
            return ""
        if code.discount_percent:
            return str(code.discount_percent)
        return amount_text(code.discount_minor or 0, self.event.currency)

    def settings(self, count: int | None = None) -> CodeSettings:
        """What the organizer set; `count` for bulk codes (then the code's text is never typed)."""
        f, event = self.fields, self.event
        if not (self.unlock.value or self.discount.value):  # said in the banner: both fields are folded away
            raise ValidationFailed(_("Choose what the code does: unlock hidden tiers, give a discount, or both"))
        percent = minor = None
        if self.discount.value:
            text = str(f["discount_percent"].value or "").strip().rstrip("%")
            if self.kind.value == "percent":
                try:
                    percent = int(text)
                except ValueError:
                    raise ValidationFailed(_("A whole percentage from 1 to 100"), field="discount_percent") from None
            else:
                try:
                    minor = parse_amount(text, event.currency)
                except ValidationFailed as problem:
                    raise ValidationFailed(problem.detail, field="discount_minor") from None
            if not (percent or minor):
                raise ValidationFailed(_("Enter how much off"), field="discount_percent")
        unlocks = (tuple(f["unlocks_tiers"].value or ()) or None) if self.unlock.value else ()
        typed = (f["code"].value or "").strip() if "code" in f and count is None else ""
        return CodeSettings(
            code=typed or None, unlocks_tiers=unlocks, discount_percent=percent, discount_minor=minor,
            discount_tiers=(tuple(f["discount_tiers"].value or ()) or None) if self.discount.value else None,
            max_uses=whole(f["max_uses"].value, "max_uses"), uses_count=f["uses_count"].value or "tickets",
            max_per_order=whole(f["max_per_order"].value, "max_per_order"),
            valid_from=parse_local(f["valid_from"].value, event.timezone, "valid_from", False),
            valid_until=parse_local(f["valid_until"].value, event.timezone, "valid_until", False),
            label=f["label"].value or "",
        )

    def changes(self) -> dict[str, Any]:
        """An edit's keyword arguments for `AccessCodes.update` (every setting but the text)."""
        settings = self.settings()
        return {name: getattr(settings, name) for name in (
            "unlocks_tiers", "discount_percent", "discount_minor", "discount_tiers", "max_uses", "uses_count",
            "max_per_order", "valid_from", "valid_until", "label")}
