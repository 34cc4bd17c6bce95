"""The door scanner's words (eventflow/static/scanner.js writes them in English) for the door staff's
language: the page hands `door_words()` to the scanner, which keeps them on the device so its offline
copy reads the same. The English text is the key; a word missing in a catalogue stays English."""

from __future__ import annotations

from eventflow.i18n import DEFAULT, N_, _, current_visitor

SCANNER_WORDS = (
    # verdicts (MESSAGES in scanner.js)
    N_("Admitted"), N_("Already checked in"), N_("Not a valid ticket"), N_("Old code: screenshot?"),
    N_("Ticket for another event"), N_("Void ticket (refunded or voided)"), N_("Event cancelled: no entry"),
    N_("Payment disputed: refused"), N_("Ticket not in this device's list"),
    N_("Admitted · payment disputed"), N_("Access revoked"), N_("Outside door hours"),
    # the screen
    N_("Door scanner"), N_("Camera view"), N_("Starting the camera…"), N_("Camera"), N_("Camera {number}"),
    N_("Ticket code"), N_("Scan or type a code, press Enter"), N_("Find a guest"), N_("Name, order or ticket"),
    N_("Check their ID, then admit:"), N_("Admit"), N_("Cancel"), N_("Status"),
    N_("● Online"), N_("● Offline: checking locally"), N_("Scanning as {label}"),
    N_("{inside} / {total} checked in"), N_("· {count} scan waiting to sync"), N_("· {count} scans waiting to sync"),
    N_("No staff access on this device. Open the staff link your organizer sent you."),
    N_("This device's staff access was revoked. Ask the organizer for a new link."),
    N_("This event is cancelled: every ticket is refused."),
    N_("at {time} by {device}"), N_("at {time}"), N_("this device"), N_("(checked offline)"), N_(" (in)"),
    N_("order {order}"), N_("already checked in"), N_("No camera — type or search"),
    N_("transferred just now"), N_("transferred {minutes} min ago"),  # issue 17: a ticket handed on
    N_("transferred {time}"),
)
DATE_LOCALES = {"en": "en-GB", "de": "de-DE", "es": "es-ES"}  # the event's date line (Intl.DateTimeFormat)


def door_words() -> dict[str, str]:
    """{English: the visitor's word} for the scanner, with `_locale` for its dates; English needs none."""
    language = current_visitor().language
    if language == DEFAULT:
        return {}
    words = {english: _(english) for english in SCANNER_WORDS}
    return {english: word for english, word in words.items() if word != english} | {
        "_locale": DATE_LOCALES.get(language, "en-GB")}
