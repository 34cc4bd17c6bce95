"""`InMemoryStore`'s access codes (domain/access_codes.py): a dict by code id, under the store's one
lock, so a code's uses change in the same atomic step as the tiers of a reserve, release or confirm."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace

from eventflow.domain.access_codes import AccessCode, CodeTaken, CodeUsedUp
from eventflow.domain.errors import SoldOut, StaleCatalog
from eventflow.domain.models import Reservation
from tests.fakes.round_trip import as_stored

COUNTERS = {"uses": 0, "confirmed_uses": 0, "tickets_sold": 0, "revenue_minor": 0, "discount_given_minor": 0}


class InMemoryAccessCodesMixin:
    _lock: threading.Lock

    def __init__(self) -> None:
        self._codes: dict[str, AccessCode] = {}

    def add_access_codes(self, codes: Sequence[AccessCode]) -> None:
        with self._lock:
            texts = {(c.event_id, c.code) for c in self._codes.values()}
            seen: set[tuple[str, str]] = set()
            for code in codes:
                if code.id in self._codes or (code.event_id, code.code) in texts | seen:
                    raise CodeTaken()
                seen.add((code.event_id, code.code))
            for code in codes:
                self._codes[code.id] = as_stored(replace(code, version=1, deleted=False, **COUNTERS))

    def get_access_code(self, event_id: str, code_id: str) -> AccessCode | None:
        with self._lock:
            code = self._codes.get(code_id)
        return code if code is not None and code.event_id == event_id else None

    def find_access_code(self, event_id: str, code: str) -> AccessCode | None:
        with self._lock:
            return next((c for c in self._codes.values() if c.event_id == event_id and c.code == code), None)

    def list_access_codes(self, event_id: str) -> list[AccessCode]:
        with self._lock:
            mine = [c for c in self._codes.values() if c.event_id == event_id and not c.deleted]
        return sorted(mine, key=lambda c: (c.created_at, c.id))

    def update_access_code(self, code: AccessCode) -> AccessCode:
        with self._lock:
            stored = self._codes.get(code.id)
            if stored is None or stored.deleted or stored.event_id != code.event_id or stored.version != code.version:
                raise StaleCatalog(code.id)
            if code.max_uses is not None and code.max_uses < stored.uses:
                raise CodeUsedUp(f"{stored.uses} uses are taken already: the limit cannot go below that")
            saved = as_stored(replace(
                code, code=stored.code, created_at=stored.created_at, deleted=False, version=stored.version + 1,
                **{name: getattr(stored, name) for name in COUNTERS},
            ))
            self._codes[code.id] = saved
        return saved

    def delete_access_code(self, event_id: str, code_id: str) -> bool:
        with self._lock:
            stored = self._codes.get(code_id)
            if stored is None or stored.event_id != event_id or stored.deleted:
                return False
            if stored.uses == 0 and stored.confirmed_uses == 0:
                del self._codes[code_id]
            else:
                self._codes[code_id] = replace(stored, deleted=True, version=stored.version + 1)
        return True

    # ------------------------------------------------------------ inside reserve / release / confirm (lock held)
    def _take_code(self, reservation: Reservation) -> AccessCode | None:
        """The code with this reservation's uses taken (not written yet), or the refusal."""
        use = reservation.code
        if use is None:
            return None
        stored = self._codes.get(use.code_id)
        if stored is None or stored.event_id != reservation.event_id or stored.version != use.version:
            raise StaleCatalog(use.code_id)
        if use.max_uses is not None and stored.uses + use.uses > use.max_uses:
            raise CodeUsedUp()
        return replace(stored, uses=stored.uses + use.uses)

    def _give_code_back(self, reservation: Reservation) -> None:
        use = reservation.code
        if use is None:
            return
        stored = self._codes.get(use.code_id)
        if stored is None or stored.uses < use.uses:
            raise RuntimeError(f"uses of code {use.code_id} are inconsistent")
        self._codes[use.code_id] = replace(stored, uses=stored.uses - use.uses)

    def _confirm_code(self, reservation: Reservation, held: bool) -> AccessCode | None:
        """The code with the confirmed sale counted (not written yet); a late payment takes its uses
        again within the limit, else SoldOut (refunded like one)."""
        use = reservation.code
        if use is None:
            return None
        stored = self._codes.get(use.code_id)
        if stored is None:
            raise RuntimeError(f"code {use.code_id} vanished")
        uses = stored.uses
        if not held:
            if stored.max_uses is not None and uses + use.uses > stored.max_uses:
                raise SoldOut("The access code was used up meanwhile")
            uses += use.uses
        return replace(
            stored, uses=uses, confirmed_uses=stored.confirmed_uses + use.uses,
            tickets_sold=stored.tickets_sold + reservation.quantity,
            revenue_minor=stored.revenue_minor + reservation.subtotal_minor,
            discount_given_minor=stored.discount_given_minor + reservation.discount_minor,
        )

    def _write_code(self, code: AccessCode | None) -> None:
        if code is not None:
            self._codes[code.id] = code
