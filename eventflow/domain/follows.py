"""Following an organizer by mail: double opt-in, a mail per newly published event, one-click stop.

A visitor leaves an address on `/o/<slug>`; a confirmation mail with a link goes out through the
outbox (at most one per organizer and address per `ASK_AGAIN_AFTER`, so the form cannot be used
to flood someone's inbox). Only confirmed follows get mail: when an event of the organizer is
published for the first time, `announce` queues one mail per follower, keyed
`follow:<event>:<token>`, so a re-publish never mails anyone twice. Every mail carries the stop
link, which works without a login: the follow's token is the capability (like a ticket link).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from eventflow.domain.attendee_mail import when_text
from eventflow.domain.clock import Clock
from eventflow.domain.errors import ValidationFailed
from eventflow.domain.language import supported_language, words_for
from eventflow.domain.models import Event
from eventflow.domain.outbox import Outbox, OutgoingMail

ASK_AGAIN_AFTER = timedelta(hours=1)
EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")


@dataclass(frozen=True, slots=True)
class Follow:
    """One address following one organizer."""

    token: str  # the secret in the confirm and stop links
    organizer_id: str
    email: str
    created_at: datetime  # when the (last) confirmation mail was asked for
    confirmed_at: datetime | None = None
    stopped_at: datetime | None = None
    language: str | None = None  # the page's language when they asked: their mails' (None: English)

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.stopped_at is None


class FollowStore(Protocol):
    """Follows, one per (organizer, address), in every store (store/*/discovery.py)."""

    def save_follow(self, follow: Follow) -> None:
        """Create or replace the follow of (organizer_id, email); an old token stops working."""

    def get_follow(self, organizer_id: str, email: str) -> Follow | None: ...

    def find_follow(self, token: str) -> Follow | None: ...

    def list_followers(self, organizer_id: str) -> list[Follow]:
        """Active follows (confirmed, not stopped), ordered by email."""


@dataclass(frozen=True, slots=True)
class Announcement:
    """What a follower's mail says about a newly published event."""

    organizer_name: str
    title: str
    when: str  # already formatted in the event's timezone (English)
    venue: str
    event_url: str
    event: Event | None = None  # given: each follower reads the dates in their own language


class Follows:
    def __init__(self, store: FollowStore, outbox: Outbox, clock: Clock, public_url: str) -> None:
        self.store = store
        self.outbox = outbox
        self.clock = clock
        self.base = public_url.rstrip("/")

    def ask(self, organizer_id: str, organizer_name: str, email: str, language: str | None = None) -> None:
        """Start following: mail a confirmation link (in `language`, the page's; None: English). The same
        answer whatever the state, so the form tells nobody who follows whom."""
        email = email.strip().lower()
        if len(email) > 254 or not EMAIL.match(email):
            raise ValidationFailed("Enter a valid email address", field="email")
        now = self.clock.now()
        existing = self.store.get_follow(organizer_id, email)
        if existing is not None and (existing.active or now - existing.created_at < ASK_AGAIN_AFTER):
            return
        follow = Follow(token=secrets.token_urlsafe(18), organizer_id=organizer_id, email=email, created_at=now,
                        language=supported_language(language))
        self.store.save_follow(follow)
        words = words_for(language)
        self.outbox.enqueue(f"follow-confirm:{follow.token}", OutgoingMail(
            to=email, subject=words("Confirm: news from {organizer}").format(organizer=organizer_name),
            text=words("Someone (hopefully you) asked to get a mail when {organizer} publishes a new event on "
                       "EventFlow.\n\nConfirm: {link}\n\nIf it was not you, ignore this mail: nothing will be "
                       "sent.").format(organizer=organizer_name, link=f"{self.base}/follow/confirm/{follow.token}")))

    def confirm(self, token: str) -> Follow | None:
        follow = self.store.find_follow(token) if token else None
        if follow is None or follow.stopped_at is not None:
            return None
        if follow.confirmed_at is None:
            follow = replace(follow, confirmed_at=self.clock.now())
            self.store.save_follow(follow)
        return follow

    def stop(self, token: str) -> Follow | None:
        follow = self.store.find_follow(token) if token else None
        if follow is None:
            return None
        if follow.stopped_at is None:
            follow = replace(follow, stopped_at=self.clock.now())
            self.store.save_follow(follow)
        return follow

    def announce(self, organizer_id: str, event_id: str, news: Announcement) -> int:
        """Queue one mail per active follower; returns how many were new (0 on a repeat)."""
        followers = self.store.list_followers(organizer_id)
        mails = [(f"follow:{event_id}:{f.token}", self._news_mail(f, news)) for f in followers]
        return self.outbox.enqueue_many(mails, event_id=event_id, batch=f"follow:{event_id}") if mails else 0

    def _news_mail(self, follow: Follow, news: Announcement) -> OutgoingMail:
        """In the language the follower asked in (follows from before languages were kept: English)."""
        words = words_for(follow.language)
        when = when_text(news.event, words) if news.event is not None else news.when
        where = "\n" + words("Where: {venue}").format(venue=news.venue) if news.venue else ""
        return OutgoingMail(
            to=follow.email,
            subject=words("New from {organizer}: {title}").format(organizer=news.organizer_name, title=news.title),
            text=words("{organizer} has a new event.\n\n{title}\nWhen: {when}{where}\n\nTickets: {link}\n\n"
                       "Stop these mails (one click, no login): {stop}\n").format(
                organizer=news.organizer_name, title=news.title, when=when, where=where, link=news.event_url,
                stop=f"{self.base}/follow/stop/{follow.token}"))
