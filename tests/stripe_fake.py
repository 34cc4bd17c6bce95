"""A local stand-in for the parts of the Stripe API EventFlow uses, for tests and benchmarks.

http.server in a thread on 127.0.0.1, spoken to by the real stripe SDK (EVENTFLOW_STRIPE_API_BASE):
accounts and account links, Checkout Sessions (create, retrieve, list, expire), payment intents,
refunds (with `refund_application_fee` / `reverse_transfer` worked out in proportion), transfer
reversals, account debits (a transfer made with the `Stripe-Account` header to the platform, whose
own account is `GET /v1/account`), balance and payouts read with the `Stripe-Account` header, and
events. It validates what real Stripe would
refuse (a session ending sooner than 30 minutes, a fee above the amount, a destination that cannot
take charges, a refund above what is left), honours `Idempotency-Key` like Stripe (same key, same
parameters: the first answer again; different parameters: an idempotency error), and records every
request so tests can assert amounts, fees, destinations and keys.

Webhooks are signed exactly like Stripe's (`Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
"<t>.<payload>" keyed with the endpoint secret>`) and either delivered by a worker thread to a URL
(retried while the endpoint fails, like Stripe does) or kept in `outbox` for a test to deliver, drop,
repeat and reorder. Browser stand-ins: `/checkout/<session>` is the hosted payment page (its Pay
button completes the payment and redirects to the success URL) and `/onboarding/<account>` the
hosted onboarding.

`fail_next` answers the next requests to a path with a 5xx without doing anything; `delay_next`
does the work, remembers the idempotent answer, and holds the response back (a client timeout).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

Clock = Callable[[], datetime]
Target = Callable[[bytes, dict[str, str]], int]  # (payload, headers) -> HTTP status


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, Any]  # decoded form body (POST) or query (GET), nested like Stripe's encoding
    idempotency_key: str | None
    stripe_account: str | None
    status: int = 0


@dataclass
class Fault:
    method: str
    path: str  # prefix
    kind: str  # "error" (answer without doing anything) or "delay" (do it, answer late)
    times: int
    status: int = 500
    seconds: float = 0.0


@dataclass
class Delivery:
    event_id: str
    event_type: str
    status: int  # 0: connection failed


class StripeError(Exception):
    def __init__(self, status: int, kind: str, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status, self.kind, self.message, self.code = status, kind, message, code


def decode(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`a[b][0][c]=v` pairs (Stripe's form encoding) into nested dicts, with lists for indices."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_listify(node[key]) for key in sorted(node, key=int)]
    return {key: _listify(value) for key, value in node.items()}


def _half_up(numerator: int, denominator: int) -> int:
    return (2 * numerator + denominator) // (2 * denominator)


def _truthy(value: Any) -> bool:
    return str(value).lower() == "true"


DISPUTE_FEES = {"usd": 1500, "eur": 2000, "gbp": 2000, "jpy": 2000}  # minor units, like Stripe's


class FakeStripe:
    def __init__(self, webhook_secret: str = "whsec_local_test", clock: Clock | None = None) -> None:
        self.webhook_secret = webhook_secret
        self.clock = clock or (lambda: datetime.now(UTC))
        self.lock = threading.RLock()
        self.requests: list[Recorded] = []
        self.accounts: dict[str, dict[str, Any]] = {}
        self.account_links: list[dict[str, Any]] = []
        self.sessions: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.disputes: dict[str, dict[str, Any]] = {}
        self.transfers: dict[str, dict[str, Any]] = {}
        # The processor's price per currency (lower case): (basis points, fixed), taken from the
        # platform's balance on every charge, like Stripe with destination charges. None: free.
        self.processor_prices: dict[str, tuple[int, int]] = {}
        self.account_country = "US"  # of the Express accounts made from now on
        self.payouts: dict[str, list[dict[str, Any]]] = {}
        self.events: list[dict[str, Any]] = []
        self.fee_refunds: list[dict[str, Any]] = []  # application fee refunds, one per refund
        self.transfer_reversals: list[dict[str, Any]] = []
        # Account debits: transfers made on a connected account (Stripe-Account header) to the
        # platform. The platform is responsible for its Express accounts' negative balances (reserves
        # on, Stripe's default since 2017), so a debit may take a balance below zero unless
        # `refuse_debits` says why Stripe would refuse it (no consent, another region...).
        self.platform_id = f"acct_platform{secrets.token_hex(4)}"
        self.account_debits: list[dict[str, Any]] = []
        self.refuse_debits: str | None = None
        self.balances: dict[str, dict[str, dict[str, int]]] = {}  # account ("platform") -> available/pending
        self.faults: list[Fault] = []
        self._idempotent: dict[str, tuple[str, dict[str, Any], int, bytes]] = {}
        self._sessions_by_key: dict[str, str] = {}
        # webhooks
        self.outbox: list[dict[str, Any]] = []  # manual mode: emitted, not delivered
        self.deliveries: list[Delivery] = []
        self.webhook_target: str | Target | None = None
        self.auto_deliver = False
        self.retry_seconds = 0.5
        self.drop_types: set[str] = set()  # emitted but never delivered (lost webhooks)
        self._queue: list[tuple[float, int, dict[str, Any]]] = []
        self._queue_ready = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self.url = ""

    # ------------------------------------------------------------ lifecycle
    def start(self) -> FakeStripe:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

            def log_message(self, *args: Any) -> None:  # quiet
                return

            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

            def do_DELETE(self) -> None:
                fake._serve(self, "DELETE")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        for target in (self._server.serve_forever, self._deliver_forever):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopping = True
        with self._queue_ready:
            self._queue_ready.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakeStripe:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def now(self) -> int:
        return int(self.clock().timestamp())

    # ------------------------------------------------------------ faults
    def fail_next(self, method: str, path: str, times: int = 1, status: int = 500) -> None:
        self.faults.append(Fault(method, path, "error", times, status=status))

    def delay_next(self, method: str, path: str, seconds: float, times: int = 1) -> None:
        self.faults.append(Fault(method, path, "delay", times, seconds=seconds))

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and path.startswith(fault.path):
                    fault.times -= 1
                    return fault
        return None

    # ------------------------------------------------------------ HTTP
    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        split = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length).decode() if length else ""
        pairs = parse_qsl(split.query, keep_blank_values=True)
        if method == "POST" and "json" not in (handler.headers.get("Content-Type") or ""):
            pairs += parse_qsl(body, keep_blank_values=True)
        params = decode(pairs)
        if not split.path.startswith("/v1/"):
            return self._serve_page(handler, method, split.path, params)
        record = Recorded(method, split.path, params, handler.headers.get("Idempotency-Key"),
                          handler.headers.get("Stripe-Account"))
        with self.lock:
            self.requests.append(record)
        status, payload, delay, replayed = self._api(method, split.path, params, record, handler)
        record.status = status
        if delay:
            time.sleep(delay)
        headers = {"Content-Type": "application/json", "Request-Id": f"req_{secrets.token_hex(6)}"}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        if status >= 500:
            headers["Stripe-Should-Retry"] = "true"
        self._respond(handler, status, payload, headers)

    @staticmethod
    def _respond(handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: dict[str, str]) -> None:
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test)

    def _api(
        self, method: str, path: str, params: dict[str, Any], record: Recorded, handler: BaseHTTPRequestHandler
    ) -> tuple[int, bytes, float, bool]:
        if not (handler.headers.get("Authorization") or "").startswith("Bearer sk_"):
            return 401, _error_body(StripeError(401, "invalid_request_error", "No valid API key provided.")), 0, False
        fault = self._take_fault(method, path)
        if fault is not None and fault.kind == "error":
            error = StripeError(fault.status, "api_error", "An unknown error occurred (injected).")
            return fault.status, _error_body(error), 0, False
        delay = fault.seconds if fault is not None else 0.0
        key = record.idempotency_key if method == "POST" else None
        with self.lock:
            if key is not None and key in self._idempotent:
                first_path, first_params, status, body = self._idempotent[key]
                if (first_path, first_params) != (path, params):
                    error = StripeError(400, "idempotency_error", "Keys for idempotent requests can only be used "
                                        "with the same parameters they were first used with.")
                    return 400, _error_body(error), delay, False
                return status, body, delay, True
            try:
                status, body = 200, json.dumps(self._route(method, path, params, record)).encode()
            except StripeError as error:
                status, body = error.status, _error_body(error)
            if key is not None:
                self._idempotent[key] = (path, params, status, body)
        return status, body, delay, False

    def _route(self, method: str, path: str, params: dict[str, Any], record: Recorded) -> dict[str, Any]:
        parts = path.strip("/").split("/")[1:]
        match method, parts:
            case "POST", ["accounts"]:
                return self._create_account(params)
            case "GET", ["account"]:
                return {"id": self.platform_id, "object": "account", "type": "standard", "country": "US"}
            case "POST", ["transfers"]:
                return self._debit_account(params, record.stripe_account)
            case "GET", ["accounts", account_id]:
                return self._public(self._get(self.accounts, account_id, "account"))
            case "POST", ["account_links"]:
                return self._create_account_link(params)
            case "POST", ["checkout", "sessions"]:
                return self._create_session(params, record.idempotency_key)
            case "GET", ["checkout", "sessions"]:
                sessions = [s for s in self.sessions.values() if _matches(s, params)]
                return self._list(sessions, params, "/v1/checkout/sessions")
            case "GET", ["checkout", "sessions", session_id]:
                return self._public(self._get(self.sessions, session_id, "checkout.session"))
            case "POST", ["checkout", "sessions", session_id, "expire"]:
                return self._expire(session_id)
            case "GET", ["payment_intents", intent_id]:
                intent = self._public(self._get(self.intents, intent_id, "payment_intent"))
                if "latest_charge" in str(params.get("expand", "")) and intent.get("latest_charge"):
                    intent["latest_charge"] = self._public(self.charges[intent["latest_charge"]])
                return intent
            case "GET", ["transfers", transfer_id]:
                return self._public(self._get(self.transfers, transfer_id, "transfer"))
            case "POST", ["transfers", transfer_id, "reversals"]:
                return self._reverse_transfer(transfer_id, params)
            case "POST", ["refunds"]:
                return self._create_refund(params)
            case "GET", ["refunds"]:
                refunds = [r for r in self.refunds.values()
                           if not params.get("payment_intent") or r["payment_intent"] == params["payment_intent"]]
                return self._list(refunds, params, "/v1/refunds")
            case "GET", ["disputes", dispute_id]:
                return self._public(self._get(self.disputes, dispute_id, "dispute"))
            case "GET", ["balance"]:
                return self._balance(record.stripe_account or "platform")
            case "GET", ["payouts"]:
                return self._list(self.payouts.get(record.stripe_account or "platform", []), params, "/v1/payouts")
            case "GET", ["events"]:
                events = [e for e in self.events if not params.get("type") or e["type"] == params["type"]]
                return self._list(events, params, "/v1/events")
            case "GET", ["events", event_id]:
                return next((e for e in self.events if e["id"] == event_id), None) or self._missing("event", event_id)
        raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    # ------------------------------------------------------------ objects
    @staticmethod
    def _public(obj: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def _get(self, table: dict[str, dict[str, Any]], object_id: str, kind: str) -> dict[str, Any]:
        found = table.get(object_id)
        if found is None:
            self._missing(kind, object_id)
        return found  # type: ignore[return-value]

    @staticmethod
    def _missing(kind: str, object_id: str) -> dict[str, Any]:
        raise StripeError(404, "invalid_request_error", f"No such {kind}: '{object_id}'", code="resource_missing")

    def _list(self, objects: list[dict[str, Any]], params: dict[str, Any], url: str) -> dict[str, Any]:
        ordered = sorted(objects, key=lambda o: (o.get("created", 0), o["id"]), reverse=True)
        if params.get("starting_after"):
            ids = [o["id"] for o in ordered]
            ordered = ordered[ids.index(params["starting_after"]) + 1:] if params["starting_after"] in ids else []
        limit = min(100, int(params.get("limit", 10)))
        return {"object": "list", "url": url, "has_more": len(ordered) > limit,
                "data": [self._public(o) for o in ordered[:limit]]}

    def _create_account(self, params: dict[str, Any]) -> dict[str, Any]:
        account_id = f"acct_{secrets.token_hex(8)}"
        self.accounts[account_id] = {
            "id": account_id, "object": "account", "type": params.get("type", "express"),
            "email": params.get("email"), "metadata": params.get("metadata", {}), "created": self.now(),
            "country": params.get("country", self.account_country),
            "charges_enabled": False, "payouts_enabled": False, "details_submitted": False,
            "capabilities": {name: "inactive" for name in params.get("capabilities", {})},
            "requirements": {"currently_due": ["business_profile.url", "external_account", "tos_acceptance.date"],
                             "past_due": [], "disabled_reason": "requirements.past_due"},
        }
        self.balances[account_id] = {"available": {}, "pending": {}}
        return self.accounts[account_id]

    def _create_account_link(self, params: dict[str, Any]) -> dict[str, Any]:
        self._get(self.accounts, params.get("account", ""), "account")
        if params.get("type") != "account_onboarding" or not params.get("return_url"):
            raise StripeError(400, "invalid_request_error", "type account_onboarding and return_url are required")
        query = urlencode({"return_url": params["return_url"], "refresh_url": params.get("refresh_url", "")})
        link = {"object": "account_link", "created": self.now(), "expires_at": self.now() + 300,
                "url": f"{self.url}/onboarding/{params['account']}?{query}"}
        self.account_links.append({**link, **params})
        return link

    def _create_session(self, params: dict[str, Any], key: str | None) -> dict[str, Any]:
        def refuse(message: str) -> StripeError:
            return StripeError(400, "invalid_request_error", message)

        if params.get("mode") != "payment":
            raise refuse("mode must be payment")
        for name in ("success_url", "cancel_url"):
            if not str(params.get(name, "")).startswith(("http://", "https://")):
                raise refuse(f"Not a valid URL: {name}")
        items = params.get("line_items") or []
        if not items:
            raise refuse("line_items is required in payment mode")
        currencies = {item["price_data"]["currency"] for item in items}
        if len(currencies) != 1 or next(iter(currencies)) != next(iter(currencies)).lower():
            raise refuse("All line items must use the same lower-case currency")
        amount = sum(int(item["price_data"]["unit_amount"]) * int(item["quantity"]) for item in items)
        if amount <= 0 or any(int(item["quantity"]) < 1 or int(item["price_data"]["unit_amount"]) < 0
                              for item in items):
            raise refuse("Invalid line item amounts")
        intent_data = params.get("payment_intent_data") or {}
        fee = int(intent_data.get("application_fee_amount", 0))
        destination = (intent_data.get("transfer_data") or {}).get("destination")
        account = self.accounts.get(destination or "")
        if account is None:
            raise refuse(f"No such destination: '{destination}'")
        if not account["charges_enabled"]:
            raise refuse("The destination account cannot receive transfers: its onboarding is not complete")
        if fee > amount:
            raise refuse("application_fee_amount cannot exceed the amount")
        if intent_data.get("on_behalf_of") not in (None, destination):
            raise refuse("on_behalf_of must be the same account as transfer_data[destination]")
        expires_at = int(params.get("expires_at", self.now() + 86400))
        if not self.now() + 1800 <= expires_at <= self.now() + 86400:
            raise refuse("expires_at must be between 30 minutes and 24 hours from now")
        session_id = f"cs_test_{secrets.token_hex(12)}"
        session = {
            "id": session_id, "object": "checkout.session", "mode": "payment", "status": "open",
            "payment_status": "unpaid", "amount_total": amount, "amount_subtotal": amount,
            "currency": next(iter(currencies)), "metadata": params.get("metadata", {}),
            "client_reference_id": params.get("client_reference_id"), "customer_email": params.get("customer_email"),
            "success_url": params["success_url"], "cancel_url": params["cancel_url"], "expires_at": expires_at,
            "created": self.now(), "payment_intent": None, "livemode": False,
            "url": f"{self.url}/checkout/{session_id}",
            "_line_items": items, "_intent_data": intent_data, "_idempotency_key": key,
        }
        self.sessions[session_id] = session
        return self._public(session)

    def _expire(self, session_id: str) -> dict[str, Any]:
        session = self._get(self.sessions, session_id, "checkout.session")
        if session["status"] != "open":
            raise StripeError(400, "invalid_request_error", 'Only Checkout Sessions with a status in ["open"] can '
                              f'be expired. This Checkout Session has a status of "{session["status"]}".')
        session["status"] = "expired"
        self._emit("checkout.session.expired", session)
        return self._public(session)

    def _create_refund(self, params: dict[str, Any]) -> dict[str, Any]:
        intent = self._get(self.intents, params.get("payment_intent", ""), "payment_intent")
        charge = self.charges[intent["latest_charge"]]
        left = charge["amount"] - charge["amount_refunded"]
        amount = int(params.get("amount", left))
        if not 0 < amount <= left:
            raise StripeError(400, "invalid_request_error", f"Refund amount ({amount}) is greater than unrefunded "
                              f"amount on charge ({left})", code="charge_already_refunded" if not left else None)
        after = charge["amount_refunded"] + amount
        fee_refund = reversal = 0
        if _truthy(params.get("refund_application_fee")):
            # In proportion to everything refunded so far, half up, less what was given back before.
            fee_refund = _half_up(charge["application_fee_amount"] * after, charge["amount"]) - charge["_fee_refunded"]
        if _truthy(params.get("reverse_transfer")):
            reversal = amount - fee_refund  # the organizer's share of this refund
        charge["amount_refunded"] = after
        charge["refunded"] = after == charge["amount"]
        charge["_fee_refunded"] += fee_refund
        refund_id = f"re_{secrets.token_hex(10)}"
        refund = {"id": refund_id, "object": "refund", "amount": amount, "currency": charge["currency"],
                  "status": "succeeded", "payment_intent": intent["id"], "charge": charge["id"],
                  "metadata": params.get("metadata", {}), "created": self.now(),
                  "_refund_application_fee": _truthy(params.get("refund_application_fee")),
                  "_reverse_transfer": _truthy(params.get("reverse_transfer"))}
        self.refunds[refund_id] = refund
        if fee_refund:
            self.fee_refunds.append({"refund": refund_id, "charge": charge["id"], "amount": fee_refund})
            self._move("platform", charge["currency"], -fee_refund)
        if not _truthy(params.get("refund_application_fee")) and not _truthy(params.get("reverse_transfer")):
            self._move("platform", charge["currency"], -amount)  # the platform pays; reversals came separately
        if reversal:
            self.transfer_reversals.append({"refund": refund_id, "charge": charge["id"], "amount": reversal,
                                            "destination": charge["destination"]})
            self._move(charge["destination"], charge["currency"], -reversal)
        self._emit("charge.refunded", charge)
        return self._public(refund)

    def _move(self, account: str, currency: str, amount: int, bucket: str = "pending") -> None:
        balance = self.balances.setdefault(account, {"available": {}, "pending": {}})
        balance[bucket][currency] = balance[bucket].get(currency, 0) + amount

    def _balance(self, account: str) -> dict[str, Any]:
        balance = self.balances.get(account, {"available": {}, "pending": {}})
        return {"object": "balance", "livemode": False, **{
            bucket: [{"amount": amount, "currency": currency} for currency, amount in sorted(balance[bucket].items())]
            for bucket in ("available", "pending")}}

    # ------------------------------------------------------------ what buyers and Stripe do
    def pay(self, session_id: str, delayed: bool = False) -> dict[str, Any]:
        """The buyer pays on the hosted page: charge, fee and transfer, then checkout.session.completed.
        `delayed`: a bank debit, money not in yet (settle later with `settle_delayed`)."""
        with self.lock:
            session = self._get(self.sessions, session_id, "checkout.session")
            if session["status"] != "open":
                raise StripeError(400, "invalid_request_error", f"This Checkout Session is {session['status']}")
            intent_data = session["_intent_data"]
            amount, currency = session["amount_total"], session["currency"]
            fee = int(intent_data.get("application_fee_amount", 0))
            destination = intent_data["transfer_data"]["destination"]
            intent_id, charge_id = f"pi_{secrets.token_hex(10)}", f"ch_{secrets.token_hex(10)}"
            self.intents[intent_id] = {
                "id": intent_id, "object": "payment_intent", "amount": amount, "currency": currency,
                "status": "processing" if delayed else "succeeded", "metadata": intent_data.get("metadata", {}),
                "application_fee_amount": fee, "transfer_data": {"destination": destination},
                "on_behalf_of": intent_data.get("on_behalf_of"),
                "latest_charge": charge_id, "last_payment_error": None, "created": self.now(),
            }
            self.charges[charge_id] = {
                "id": charge_id, "object": "charge", "amount": amount, "amount_refunded": 0, "refunded": False,
                "currency": currency, "payment_intent": intent_id, "application_fee_amount": fee,
                "destination": destination, "created": self.now(), "_fee_refunded": 0, "_processing_fee": 0,
                "transfer": f"tr_{secrets.token_hex(10)}",
            }
            session.update(status="complete", payment_status="unpaid" if delayed else "paid", payment_intent=intent_id)
            if not delayed:
                self._collect(charge_id)
            self._emit("checkout.session.completed", session)
            return self._public(session)

    def settle_delayed(self, session_id: str, succeeded: bool) -> None:
        with self.lock:
            session = self.sessions[session_id]
            intent = self.intents[session["payment_intent"]]
            if succeeded:
                intent["status"] = "succeeded"
                session["payment_status"] = "paid"
                self._collect(intent["latest_charge"])
                self._emit("checkout.session.async_payment_succeeded", session)
            else:
                intent["status"] = "requires_payment_method"
                intent["last_payment_error"] = {"message": "The bank declined the debit."}
                self._emit("checkout.session.async_payment_failed", session)

    def _collect(self, charge_id: str) -> None:
        charge = self.charges[charge_id]
        basis_points, fixed = self.processor_prices.get(charge["currency"], (0, 0))
        charge["_processing_fee"] = -(-charge["amount"] * basis_points // 10_000) + fixed
        self._move("platform", charge["currency"], charge["application_fee_amount"] - charge["_processing_fee"])
        transferred = charge["amount"] - charge["application_fee_amount"]
        self.transfers[charge["transfer"]] = {"id": charge["transfer"], "object": "transfer", "amount": transferred,
                                              "amount_reversed": 0, "destination": charge["destination"],
                                              "currency": charge["currency"], "source_transaction": charge_id}
        self._move(charge["destination"], charge["currency"], transferred)

    def _reverse_transfer(self, transfer_id: str, params: dict[str, Any]) -> dict[str, Any]:
        transfer = self._get(self.transfers, transfer_id, "transfer")
        amount = int(params.get("amount", transfer["amount"] - transfer["amount_reversed"]))
        if not 0 < amount <= transfer["amount"] - transfer["amount_reversed"]:
            left = transfer["amount"] - transfer["amount_reversed"]
            raise StripeError(400, "invalid_request_error",
                              f"Reversal amount ({amount}) is greater than the transfer's unreversed amount ({left})")
        transfer["amount_reversed"] += amount
        reversal = {"id": f"trr_{secrets.token_hex(10)}", "object": "transfer_reversal", "amount": amount,
                    "transfer": transfer_id, "metadata": params.get("metadata", {}), "created": self.now()}
        refund_key = (params.get("metadata") or {}).get("eventflow_refund")
        self.transfer_reversals.append({"refund": refund_key, "charge": transfer["source_transaction"],
                                        "amount": amount, "destination": transfer["destination"], "explicit": True})
        self._move(transfer["destination"], transfer["currency"], -amount)
        self._move("platform", transfer["currency"], amount)
        return reversal

    def _debit_account(self, params: dict[str, Any], account_id: str | None) -> dict[str, Any]:
        """`POST /v1/transfers` made on a connected account to the platform: an account debit. (A
        transfer from the platform to an account is not used by EventFlow: destination charges.)"""
        def refuse(message: str) -> StripeError:
            return StripeError(400, "invalid_request_error", message)

        account = self.accounts.get(account_id or "")
        if account is None:
            raise refuse("Transfers from the platform are not supported here; send Stripe-Account for a debit")
        if params.get("destination") != self.platform_id:
            raise refuse(f"An account debit's destination must be the platform ({self.platform_id})")
        amount, currency = int(params.get("amount", 0)), str(params.get("currency", ""))
        if amount <= 0 or not currency or currency != currency.lower():
            raise refuse("amount (positive) and a lower-case currency are required")
        if self.refuse_debits:
            raise refuse(self.refuse_debits)
        transfer = {"id": f"tr_{secrets.token_hex(10)}", "object": "transfer", "amount": amount,
                    "amount_reversed": 0, "currency": currency, "destination": self.platform_id,
                    "destination_payment": f"py_{secrets.token_hex(10)}", "metadata": params.get("metadata", {}),
                    "created": self.now(), "_source_account": account_id}
        self.account_debits.append(transfer)
        self._move(account_id or "", currency, -amount)
        self._move("platform", currency, amount)
        return self._public(transfer)

    def decline(self, session_id: str, message: str = "Your card was declined.") -> None:
        """A failed attempt on the hosted page: the session stays open, payment_intent.payment_failed."""
        with self.lock:
            session = self.sessions[session_id]
            intent_id = f"pi_{secrets.token_hex(10)}"
            self.intents[intent_id] = {
                "id": intent_id, "object": "payment_intent", "amount": session["amount_total"],
                "currency": session["currency"], "status": "requires_payment_method",
                "metadata": session["_intent_data"].get("metadata", {}), "created": self.now(),
                "last_payment_error": {"message": message, "code": "card_declined"},
            }
            self._emit("payment_intent.payment_failed", self.intents[intent_id])

    # ------------------------------------------------------------ chargebacks

    def open_dispute(self, intent_id: str, reason: str = "fraudulent", amount: int | None = None,
                     emit: bool = True) -> dict[str, Any]:
        """The buyer's bank disputes a charge: amount and fee withdrawn from the platform,
        `charge.dispute.created` (or nothing when `emit` is False: emit later with `emit_dispute`)."""
        with self.lock:
            intent = self._get(self.intents, intent_id, "payment_intent")
            charge = self.charges[intent["latest_charge"]]
            disputed = charge["amount"] - charge["amount_refunded"] if amount is None else amount
            fee = DISPUTE_FEES.get(charge["currency"], 1500)
            dispute_id = f"dp_{secrets.token_hex(10)}"
            self.disputes[dispute_id] = {
                "id": dispute_id, "object": "dispute", "amount": disputed, "currency": charge["currency"],
                "charge": charge["id"], "payment_intent": intent_id, "reason": reason,
                "status": "needs_response", "created": self.now(), "is_charge_refundable": False,
                "evidence_details": {"due_by": self.now() + 7 * 86400, "has_evidence": False},
                "balance_transactions": [{"id": f"txn_{secrets.token_hex(8)}", "object": "balance_transaction",
                                          "amount": -disputed - fee, "fee": fee, "currency": charge["currency"]}],
            }
            charge["disputed"] = True
            self._move("platform", charge["currency"], -disputed - fee)
            if emit:
                self._emit("charge.dispute.created", self.disputes[dispute_id])
            return self._public(self.disputes[dispute_id])

    def update_dispute(self, dispute_id: str, status: str = "under_review", emit: bool = True) -> dict[str, Any]:
        """Evidence sent (`under_review`) or a final word (`won`/`lost`: `charge.dispute.closed`)."""
        with self.lock:
            dispute = self._get(self.disputes, dispute_id, "dispute")
            dispute["status"] = status
            if status == "under_review":
                dispute["evidence_details"]["has_evidence"] = True
            if status == "won":  # the money and (here) the fee come back: nothing moved in the end
                fee = dispute["balance_transactions"][0]["fee"]
                dispute["balance_transactions"].append(
                    {"id": f"txn_{secrets.token_hex(8)}", "object": "balance_transaction",
                     "amount": dispute["amount"] + fee, "fee": -fee, "currency": dispute["currency"]})
                self._move("platform", dispute["currency"], dispute["amount"] + fee)
            kind = "charge.dispute.closed" if status in ("won", "lost", "warning_closed") else "charge.dispute.updated"
            if emit:
                self._emit(kind, dispute)
            return self._public(dispute)

    def emit_dispute(self, dispute_id: str, event_type: str, snapshot: dict[str, Any]) -> dict[str, Any]:
        """A dispute event carrying `snapshot` (the dispute as it was then), whatever it is now."""
        with self.lock:
            self._get(self.disputes, dispute_id, "dispute")
            return self._emit(event_type, snapshot)

    def expire_by_stripe(self, session_id: str) -> None:
        with self.lock:
            self._expire(session_id)

    def complete_onboarding(self, account_id: str) -> None:
        with self.lock:
            account = self.accounts[account_id]
            account.update(charges_enabled=True, payouts_enabled=True, details_submitted=True,
                           requirements={"currently_due": [], "past_due": [], "disabled_reason": None},
                           capabilities={name: "active" for name in account["capabilities"]})
            self._emit("account.updated", account, account=account_id)

    def add_payout(self, account_id: str, amount: int, currency: str, status: str = "paid") -> dict[str, Any]:
        with self.lock:
            payout = {"id": f"po_{secrets.token_hex(8)}", "object": "payout", "amount": amount, "currency": currency,
                      "status": status, "arrival_date": self.now() + 86400, "created": self.now()}
            self.payouts.setdefault(account_id, []).append(payout)
            self._move(account_id, currency, -amount, "available")
            return payout

    def make_available(self, account_id: str) -> None:
        with self.lock:
            balance = self.balances[account_id]
            for currency, amount in list(balance["pending"].items()):
                balance["available"][currency] = balance["available"].get(currency, 0) + amount
                balance["pending"][currency] = 0

    # ------------------------------------------------------------ events and webhooks
    def _emit(self, event_type: str, obj: dict[str, Any], account: str | None = None) -> dict[str, Any]:
        event: dict[str, Any] = {
            "id": f"evt_{secrets.token_hex(12)}", "object": "event", "api_version": "2026-01-28.clover",
            "created": self.now(), "type": event_type, "livemode": False, "pending_webhooks": 1,
            "data": {"object": json.loads(json.dumps(self._public(obj)))},
            "request": {"id": None, "idempotency_key": None},
        }
        if account:
            event["account"] = account
        self.events.append(event)
        if event_type in self.drop_types:
            return event
        if self.auto_deliver:
            self._enqueue(event, 0.0)
        else:
            self.outbox.append(event)
        return event

    def sign(self, payload: bytes, timestamp: int | None = None, secret: str | None = None) -> str:
        stamp = int(time.time()) if timestamp is None else timestamp
        signed = f"{stamp}.".encode() + payload
        digest = hmac.new((secret or self.webhook_secret).encode(), signed, hashlib.sha256).hexdigest()
        return f"t={stamp},v1={digest}"

    def payload(self, event: dict[str, Any]) -> bytes:
        return json.dumps(event, indent=2).encode()

    def deliver(self, event: dict[str, Any], signature: str | None = None) -> int:
        """POST one event to the webhook target, signed like Stripe; returns the HTTP status (0: no answer)."""
        payload = self.payload(event)
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0 (+https://stripe.com)",
                   "Stripe-Signature": signature or self.sign(payload)}
        target = self.webhook_target
        try:
            if callable(target):
                status = target(payload, headers)
            elif isinstance(target, str):
                status = httpx.post(target, content=payload, headers=headers, timeout=30).status_code
            else:
                raise RuntimeError("no webhook target")
        except httpx.HTTPError:
            status = 0
        with self.lock:
            self.deliveries.append(Delivery(event["id"], event["type"], status))
        return status

    def take(self, *types: str) -> list[dict[str, Any]]:
        """Remove and return the undelivered events (of these types), oldest first."""
        with self.lock:
            taken = [e for e in self.outbox if not types or e["type"] in types]
            self.outbox = [e for e in self.outbox if e not in taken]
        return taken

    def deliver_all(self) -> list[int]:
        return [self.deliver(event) for event in self.take()]

    def _enqueue(self, event: dict[str, Any], delay: float, attempt: int = 0) -> None:
        with self._queue_ready:
            self._queue.append((time.monotonic() + delay, attempt, event))
            self._queue_ready.notify()

    def _deliver_forever(self) -> None:
        """Stripe's delivery: in order of emission, retried while the endpoint does not answer 2xx."""
        while not self._stopping:
            with self._queue_ready:
                ready = [entry for entry in self._queue if entry[0] <= time.monotonic()]
                if not ready:
                    wait = min((entry[0] for entry in self._queue), default=time.monotonic() + 0.2)
                    self._queue_ready.wait(timeout=max(0.01, wait - time.monotonic()))
                    continue
                entry = min(ready, key=lambda e: e[0])
                self._queue.remove(entry)
            _, attempt, event = entry
            status = self.deliver(event)
            if not 200 <= status < 300 and attempt < 100 and not self._stopping:
                self._enqueue(event, self.retry_seconds, attempt + 1)

    def delivered_ok(self, event_type: str | None = None) -> int:
        return sum(1 for d in self.deliveries
                   if 200 <= d.status < 300 and (event_type is None or d.event_type == event_type))

    def idle(self) -> bool:
        with self._queue_ready:
            return not self._queue

    # ------------------------------------------------------------ hosted pages
    def _serve_page(self, handler: BaseHTTPRequestHandler, method: str, path: str, params: dict[str, Any]) -> None:
        parts = path.strip("/").split("/")
        try:
            match method, parts:
                case "GET", ["checkout", session_id]:
                    return self._respond(handler, 200, self._checkout_page(session_id).encode(),
                                         {"Content-Type": "text/html; charset=utf-8"})
                case "POST", ["checkout", session_id, "pay"]:
                    session = self.pay(session_id)
                    target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
                    return self._respond(handler, 303, b"", {"Location": target})
                case "GET", ["onboarding", account_id]:
                    page = (f"<html><body><h1>Stripe onboarding (local stand-in)</h1><form method=post "
                            f"action='/onboarding/{html.escape(account_id)}/complete?{urlencode(params)}'>"
                            "<button data-testid=onboard-submit>Agree and submit</button></form></body></html>")
                    return self._respond(handler, 200, page.encode(), {"Content-Type": "text/html; charset=utf-8"})
                case "POST", ["onboarding", account_id, "complete"]:
                    self.complete_onboarding(account_id)
                    return self._respond(handler, 303, b"", {"Location": params["return_url"]})
        except (StripeError, KeyError) as error:
            return self._respond(handler, 400, str(error).encode(), {"Content-Type": "text/plain"})
        return self._respond(handler, 404, b"not found", {"Content-Type": "text/plain"})

    def _checkout_page(self, session_id: str) -> str:
        session = self._get(self.sessions, session_id, "checkout.session")
        currency = session["currency"].upper()
        rows = "".join(
            f"<tr data-testid=line><td>{int(item['quantity'])} × "
            f"{html.escape(item['price_data']['product_data']['name'])}"
            f"</td><td>{int(item['price_data']['unit_amount']) * int(item['quantity'])} {currency}</td></tr>"
            for item in session["_line_items"]
        )
        if session["status"] != "open":
            action = f"<p data-testid=closed>This checkout session is {session['status']}.</p>"
        else:
            action = (f"<form method=post action='/checkout/{session_id}/pay'>"
                      f"<button data-testid=stripe-pay>Pay {session['amount_total']} {currency}</button></form>"
                      f"<a href='{html.escape(session['cancel_url'])}'>Back</a>")
        return (f"<html><head><title>Checkout (local Stripe)</title></head><body>"
                f"<h1>Local Stripe checkout · test mode</h1><table>{rows}</table>"
                f"<p data-testid=stripe-total>Total {session['amount_total']} {currency}</p>{action}</body></html>")

    # ------------------------------------------------------------ for assertions
    def calls(self, method: str, path: str) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == method and r.path == path]

    def paid_sessions(self) -> list[dict[str, Any]]:
        with self.lock:
            return [s for s in self.sessions.values() if s["payment_status"] == "paid"]

    def refunds_of(self, intent_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.refunds.values() if r["payment_intent"] == intent_id]


def _matches(session: dict[str, Any], params: dict[str, Any]) -> bool:
    if params.get("status") and session["status"] != params["status"]:
        return False
    created = params.get("created") or {}
    if isinstance(created, dict):
        if "gte" in created and session["created"] < int(created["gte"]):
            return False
        if "lt" in created and session["created"] >= int(created["lt"]):
            return False
    return True


def _error_body(error: StripeError) -> bytes:
    body: dict[str, Any] = {"type": error.kind, "message": error.message}
    if error.code:
        body["code"] = error.code
    return json.dumps({"error": body}).encode()


def signed_headers(fake: FakeStripe, payload: bytes) -> dict[str, str]:
    return {"Content-Type": "application/json", "Stripe-Signature": fake.sign(payload)}


def started(clock: Clock | None = None, secret: str = "whsec_local_test") -> FakeStripe:
    return FakeStripe(secret, clock).start()

