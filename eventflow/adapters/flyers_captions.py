"""Social captions from templates filled with the event's facts: 3 variants per channel, in the
language of the event's description (English, German, Spanish, French, Italian, Dutch, Portuguese;
English for any other or when it cannot be told), dates and prices in that language's format.

The local engine's captions, and the fallback of the AI engine's. X/Bluesky variants are cut to
X_LIMIT characters at a word boundary, keeping the link whole."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.numbers import format_currency

from eventflow.adapters.flyers_caption_texts import WORDINGS, Wording
from eventflow.adapters.flyers_language import FALLBACK, language_of
from eventflow.domain.flyers import CHANNELS, X_LIMIT, FlyerFacts
from eventflow.domain.money import currency_exponent

WORD = re.compile(r"[^\W_]+", re.UNICODE)
THEME_TAGS = {"classic": "LiveEvent", "night": "NightOut", "bold": "DontMissIt", "pastel": "GoodVibes"}


LANGUAGES = frozenset({FALLBACK, *WORDINGS})
SCAN_EN = "Scan for tickets"


def caption_language(facts: FlyerFacts) -> str:
    """The description's language when captions can be written in it, else English."""
    return language_of(facts.description, LANGUAGES)


def hashtags(facts: FlyerFacts, theme: str, language: str | None = None) -> tuple[str, ...]:
    """#TitleInCamelCase, #Venue, the theme's tag and #Tickets (in the captions' language); no duplicates."""
    def camel(text: str, words: int) -> str:
        kept = WORD.findall(text)[:words]
        while len(kept) > 1 and len(kept[-1]) <= 3:  # "Noche de Salsa en" -> #NocheDeSalsa, not ...SalsaEn
            kept.pop()
        return "".join(w[:1].upper() + w[1:] for w in kept)

    wording = WORDINGS.get(language or caption_language(facts))
    theme_tag = (wording.theme_tags if wording else THEME_TAGS).get(theme) or \
        (wording.theme_tags["classic"] if wording else "LiveEvent")
    tags = [camel(facts.title, 4), camel(facts.venue.split(",")[0], 3), theme_tag,
            wording.tickets_tag if wording else "Tickets"]
    out: list[str] = []
    for tag in tags:
        if tag and f"#{tag}" not in out:
            out.append(f"#{tag}")
    return tuple(out)


def within(text: str, limit: int, tail: str = "") -> str:
    """`text` + `tail` in at most `limit` characters, cut at a word and marked with '…'."""
    room = limit - len(tail)
    if len(text) > room:
        text = text[: room - 1].rsplit(" ", 1)[0].rstrip(",.;:·- ") + "…"
    return text + tail


def captions(facts: FlyerFacts, theme: str = "", language: str | None = None) -> dict[str, tuple[str, ...]]:
    """3 variants per channel in `language` (default: the description's, see `caption_language`)."""
    language = language or caption_language(facts)
    wording = WORDINGS.get(language)
    if wording is None:
        return english(facts, theme)
    return worded(facts, theme, wording, " ".join(hashtags(facts, theme, language)))


def english(facts: FlyerFacts, theme: str) -> dict[str, tuple[str, ...]]:
    tags = " ".join(hashtags(facts, theme, FALLBACK))
    price = f" Tickets {facts.price}." if facts.price else ""
    where = f" at {facts.venue}" if facts.venue else ""
    blurb = within(facts.description, 160) if facts.description else ""
    link = f"\n{facts.url}"
    out = {
        "instagram": (
            f"✨ {facts.title} ✨\n📅 {facts.when}\n📍 {facts.venue}\n🎟 {facts.price or 'Tickets'} - link in bio"
            f"\n\n{blurb}\n\n{tags}".replace("\n\n\n", "\n\n"),
            f"Save the date: {facts.title}, {facts.day}{where}.{price} See you there! 🎶\n\n{tags}",
            f"{facts.title} is coming{where.replace(' at ', ' to ', 1)} on {facts.day} at {facts.time}. Grab your "
            "spot before it's gone."
            f"\n\n{tags}",
        ),
        "x": (
            within(f"{facts.title} - {facts.when}{where}.{price}", X_LIMIT, f" {tags.split()[0]}{link}"),
            within(f"Save the date: {facts.title}, {facts.day}.{price}", X_LIMIT, link),
            within(f"🎟 {facts.title}{where}, {facts.day} {facts.time}. Don't miss it!", X_LIMIT,
                   f" {' '.join(tags.split()[:2])}{link}"),
        ),
        "facebook": (
            f"We're excited to announce {facts.title}!\n\n📅 {facts.when}\n📍 {facts.venue}\n🎟 {facts.price}"
            f"\n\n{blurb}\n\nTickets: {facts.url}",
            f"Mark your calendars: {facts.title} takes place on {facts.day} at {facts.time}{where}.{price} "
            f"Invite your friends and get your tickets here: {facts.url}",
            f"{facts.title}{where} - {facts.when}. {blurb} Tickets: {facts.url}",
        ),
        "email": (
            f"You're invited to {facts.title} on {facts.day} at {facts.time}{where}.{price} "
            f"Reserve your place: {facts.url}",
            f"Join us for {facts.title}! {blurb} It happens on {facts.when}{where}. Tickets: {facts.url}",
            f"{facts.title} is on {facts.day}{where}, and we'd love to see you there.{price} {facts.url}",
        ),
    }
    return {channel: tuple(" ".join(t.split(" ")).strip() for t in out[channel]) for channel in CHANNELS}


def worded(facts: FlyerFacts, theme: str, wording: Wording, tags: str) -> dict[str, tuple[str, ...]]:
    """The captions of a language other than English: its templates, its date and money formats."""
    fields = local_facts(facts, wording)
    link = f"\n{facts.url}"
    first = tags.split()[:1]
    x_tails = (f" {first[0]}{link}" if first else link, link, f" {' '.join(tags.split()[:2])}{link}")
    out = {
        "instagram": tuple(t.format(**fields, tags=tags) for t in wording.instagram),
        "x": tuple(within(t.format(**fields), X_LIMIT, tail) for t, tail in zip(wording.x, x_tails, strict=True)),
        "facebook": tuple(t.format(**fields) for t in wording.facebook),
        "email": tuple(t.format(**fields) for t in wording.email),
    }
    return {channel: tuple(tidy(t) for t in out[channel]) for channel in CHANNELS}


def tidy(text: str) -> str:
    """No doubled spaces or blank paragraphs where an empty fact (no venue, no description) was."""
    text = re.sub(r"\n{3,}", "\n\n", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return text.replace(" .", ".").strip()


def local_facts(facts: FlyerFacts, wording: Wording) -> dict[str, str]:
    """The placeholders of `Wording`'s templates in its locale: "Samstag, 14. März 2027", "ab 12 €"."""
    locale = "pt_BR" if wording.locale == "pt_PT" and facts.currency == "BRL" else wording.locale
    if facts.starts_at is not None:
        day = format_date(facts.starts_at, "full", locale=locale)
        time = format_time(facts.starts_at, "short", locale=locale)
    else:  # facts made without the instant (older callers): the English text as it is
        day, time = facts.day, facts.time
    price = local_price(facts, wording, locale)
    return {
        "title": facts.title, "day": day, "time": time, "when": wording.when.format(day=day, time=time),
        "venue": facts.venue, "at": wording.at.format(venue=facts.venue) if facts.venue else "",
        "price": price, "price_or_tickets": price or wording.tickets,
        "price_sentence": wording.price_sentence.format(price=price) if price else "",
        "blurb": within(facts.description, 160) if facts.description else "", "url": facts.url,
        "link_in_bio": wording.link_in_bio,
    }


def artwork_words(facts: FlyerFacts) -> tuple[FlyerFacts, str]:
    """The facts as the artwork prints them in the description's language ("So., 14. März 2027, 20:00 Uhr",
    "ab 12 €") and the line by the QR code; English facts as they are."""
    wording = WORDINGS.get(caption_language(facts))
    if wording is None or facts.starts_at is None:
        return facts, SCAN_EN
    locale = "pt_BR" if wording.locale == "pt_PT" and facts.currency == "BRL" else wording.locale
    day = format_skeleton("yMMMEd", facts.starts_at, locale=locale)
    day = day[:1].upper() + day[1:]  # "Dom, 14 mar 2027" at the head of a line
    time = format_time(facts.starts_at, "short", locale=locale)
    price = local_price(facts, wording, locale)
    return replace(facts, when=wording.when.format(day=day, time=time), day=day, time=time,
                         price=price[:1].upper() + price[1:]), wording.scan


def local_price(facts: FlyerFacts, wording: Wording, locale: str) -> str:
    """"ab 12 €", "dès 12,50 €", "Eintritt frei" or "" (nothing on sale); whole amounts without decimals."""
    if facts.lowest_price_minor is None:
        return "" if not facts.price else facts.price
    if facts.lowest_price_minor == 0:
        return wording.free
    amount = Decimal(facts.lowest_price_minor).scaleb(-currency_exponent(facts.currency))
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    if amount == amount.to_integral_value():
        pattern = pattern.replace(".00", "")
    return wording.from_price.format(amount=format_currency(amount, facts.currency, format=pattern,
                                                            currency_digits=False, locale=locale))
