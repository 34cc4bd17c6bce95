"""Captions in the language of the event's description: the local templates in English, German, Spanish,
French, Italian, Dutch and Portuguese with that language's date and money formats, English when the
description is too short to tell or in another language; the AI engine is told the language; the artwork
prints its date, price and QR line in that language too, inside the canvas."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from eventflow.adapters.flyers_captions import artwork_words, caption_language, captions, hashtags
from eventflow.adapters.flyers_local import SQUARE, TEMPLATES, LocalFlyers, layout
from eventflow.domain.flyers import CHANNELS, X_LIMIT, FlyerFacts, flyer_facts
from eventflow.domain.reservations import Ticketing
from tests.conftest import publish_event
from tests.flyers.checks import pdf_page

BERLIN = ZoneInfo("Europe/Berlin")
DESCRIPTIONS = {
    "de": "Ein Abend mit Live-Jazz direkt am Wasser, mit Freunden, guten Drinks und Musik bis spät in die Nacht.",
    "es": "Una noche de jazz en directo junto al agua, con amigos, buenas copas y música hasta tarde.",
    "fr": "Une soirée de jazz en direct au bord de l'eau, avec des amis, de bons verres et de la musique.",
    "it": "Una serata di jazz dal vivo in riva al mare, con gli amici, buoni drink e musica fino a tardi.",
    "nl": "Een avond live jazz aan het water, met vrienden, lekkere drankjes en muziek tot laat in de nacht.",
    "pt": "Uma noite de jazz ao vivo à beira-mar, com amigos, boas bebidas e música até tarde da noite.",
    "en": "An evening of live jazz by the water, with friends, good drinks and music until late at night.",
}


def facts(description: str, price_minor: int | None = 1250, currency: str = "EUR") -> FlyerFacts:
    return FlyerFacts(event_id="evt_1", title="Hafen Jazz Nacht", when="Sun 14 Mar 2027 · 20:00",
                      day="Sun 14 Mar 2027", time="20:00", venue="Hafenbar, Am Kai 3",
                      price="" if price_minor is None else "from €12.50",
                      url="https://t.example/e/hafen-jazz?ref=flyer", description=description,
                      starts_at=datetime(2027, 3, 14, 20, 0, tzinfo=BERLIN), lowest_price_minor=price_minor,
                      currency=currency)


def test_a_german_description_gives_german_captions_with_german_dates_and_prices() -> None:
    german = facts(DESCRIPTIONS["de"])
    assert caption_language(german) == "de"
    written = captions(german, "night")
    instagram = written["instagram"][0]
    assert "📅 Sonntag, 14. März 2027, 20:00 Uhr" in instagram  # not "Sun 14 Mar 2027 · 20:00"
    assert "ab 12,50\xa0€" in instagram and "Link in der Bio" in instagram
    assert "am Sonntag, 14. März 2027 um 20:00 Uhr" in written["email"][0]
    assert written["facebook"][0].startswith("Wir freuen uns riesig auf Hafen Jazz Nacht!")
    assert hashtags(german, "night") == ("#HafenJazzNacht", "#Hafenbar", "#Nachtleben", "#Tickets")
    every = [text for channel in CHANNELS for text in written[channel]]
    assert len(every) == 12 and not any(english in text for text in every
                                        for english in ("Tickets from", "Sun 14", "Save the date", " at "))
    assert all(len(text) <= X_LIMIT and text.endswith(german.url) for text in written["x"])


@pytest.mark.parametrize("description", [
    "", "Jazz", "Live music!", "Sommerfest", "https://example.org/programm-2027",
    "東京の港で、友だちと一緒にジャズの夜を楽しみましょう。遅くまで音楽があります。",  # a language without templates
])
def test_a_short_or_other_language_description_gives_english(description: str) -> None:
    written = captions(facts(description), "night")
    assert caption_language(facts(description)) == "en"
    assert written["email"][0].startswith("You're invited to Hafen Jazz Nacht on Sun 14 Mar 2027 at 20:00")
    assert written["instagram"][0].endswith("#HafenJazzNacht #Hafenbar #NightOut #Tickets")


@pytest.mark.parametrize(("language", "date", "price"), [
    # money keeps its amount and symbol together (a no-break space, as babel writes it)
    ("es", "domingo, 14 de marzo de 2027", "desde 12,50\xa0€"),
    ("fr", "dimanche 14 mars 2027", "dès 12,50\xa0€"),
    ("it", "domenica 14 marzo 2027", "da 12,50\xa0€"),
    ("nl", "zondag 14 maart 2027", "vanaf €\xa012,50"),
    ("pt", "domingo, 14 de março de 2027", "a partir de 12,50\xa0€"),
])
def test_each_language_has_its_own_words_date_and_money_format(language: str, date: str, price: str) -> None:
    written = captions(facts(DESCRIPTIONS[language]), "classic")
    assert caption_language(facts(DESCRIPTIONS[language])) == language
    assert date in written["instagram"][0] and price in written["instagram"][0]
    assert all(len(variants) == 3 and len(set(variants)) == 3 for variants in written.values())
    assert all(len(text) <= X_LIMIT for text in written["x"])


def test_whole_amounts_free_entry_and_nothing_on_sale() -> None:
    french = DESCRIPTIONS["fr"]
    assert "dès 12\xa0€" in captions(facts(french, 1200))["instagram"][0]  # no ",00"
    assert "🎟 Entrée libre" in captions(facts(french, 0))["instagram"][0]
    assert "🎟 Billets – lien en bio" in captions(facts(french, None))["instagram"][0]
    assert "ab 1.500\xa0¥" in captions(facts(DESCRIPTIONS["de"], 1500, "JPY"))["instagram"][0]


def test_the_facts_carry_the_instant_and_price_the_captions_format(service: Ticketing) -> None:
    event, tiers = publish_event(service, capacities=(10, 10), prices=(2500, 1200))
    event = replace(event, description=DESCRIPTIONS["de"], timezone="Europe/Berlin",
                    starts_at=datetime(2027, 3, 14, 19, 0, tzinfo=ZoneInfo("UTC")))
    written = captions(flyer_facts(event, tiers, "https://t.example"), "classic")
    assert "Sonntag, 14. März 2027, 20:00 Uhr" in written["instagram"][0] and "ab 12\xa0€" in written["instagram"][0]


def test_the_artwork_prints_the_date_and_price_in_the_descriptions_language() -> None:
    german, scan = artwork_words(facts(DESCRIPTIONS["de"]))
    assert (german.when, german.price, scan) == ("So., 14. März 2027, 20:00 Uhr", "Ab 12,50\xa0€",
                                                 "Scannen & Tickets sichern")
    _, _, words = pdf_page(LocalFlyers().generate(facts(DESCRIPTIONS["de"]), "", "night").files["poster_pdf"])
    assert "So., 14. März 2027, 20:00 Uhr" in words and "Ab 12,50" in words
    english = facts(DESCRIPTIONS["en"])
    assert artwork_words(english) == (english, "Scan for tickets")  # as flyer_facts wrote them


@pytest.mark.parametrize("language", ["de", "es", "fr", "it", "nl", "pt"])
def test_the_translated_artwork_lines_stay_inside_the_canvas_and_apart(language: str) -> None:
    words, scan = artwork_words(facts(DESCRIPTIONS[language], 125050))  # "a partir de 1250,50 €": a long pill
    image, boxes = layout(words, TEMPLATES["classic"], SQUARE, scan_words=scan)
    for left, top, right, bottom in boxes:
        assert left > 0 and right <= image.width - 0.05 * image.width and top > 0 and bottom <= image.height
    for a, b in itertools.combinations(boxes, 2):
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] + 1 or b[3] <= a[1] + 1, (language, a, b)
