"""Social captions from templates filled with the event's facts: 3 variants per channel.

The local engine's captions, and the fallback of the AI engine's. X/Bluesky variants are cut to
X_LIMIT characters at a word boundary, keeping the link whole."""

from __future__ import annotations

import re

from eventflow.domain.flyers import CHANNELS, X_LIMIT, FlyerFacts

WORD = re.compile(r"[^\W_]+", re.UNICODE)
THEME_TAGS = {"classic": "LiveEvent", "night": "NightOut", "bold": "DontMissIt", "pastel": "GoodVibes"}


def hashtags(facts: FlyerFacts, theme: str) -> tuple[str, ...]:
    """#TitleInCamelCase, #Venue, the theme's tag and #Tickets; no duplicates."""
    def camel(text: str, words: int) -> str:
        return "".join(w[:1].upper() + w[1:] for w in WORD.findall(text)[:words])

    tags = [camel(facts.title, 4), camel(facts.venue.split(",")[0], 3), THEME_TAGS.get(theme, "LiveEvent"),
            "Tickets"]
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


def captions(facts: FlyerFacts, theme: str = "") -> dict[str, tuple[str, ...]]:
    tags = " ".join(hashtags(facts, theme))
    price = f" Tickets {facts.price}." if facts.price else ""
    where = f" at {facts.venue}" if facts.venue else ""
    blurb = within(facts.description, 160) if facts.description else ""
    link = f"\n{facts.url}"
    out = {
        "instagram": (
            f"✨ {facts.title} ✨\n📅 {facts.when}\n📍 {facts.venue}\n🎟 {facts.price or 'Tickets'} - link in bio"
            f"\n\n{blurb}\n\n{tags}".replace("\n\n\n", "\n\n"),
            f"Save the date: {facts.title}, {facts.day}{where}.{price} See you there! 🎶\n\n{tags}",
            f"{facts.title} is coming{where} on {facts.day} at {facts.time}. Grab your spot before it's gone."
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
