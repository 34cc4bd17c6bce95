"""Tickets mailed over SMTP when EVENTFLOW_SMTP_URL is set, against a local aiosmtpd server.

The app runs as a subprocess pointed at an SMTP server in this process; buyers purchase through
the JSON API. Each order is mailed exactly once to its buyer, however often the payment is
reported, and every link in the mail opens a ticket. The SmtpMailer's URL handling (credentials,
STARTTLS, implicit TLS, sender, bad URLs) is tested in-process against the same kind of server.
(Without EVENTFLOW_SMTP_URL the mail is an .eml file: see tests/browser/test_checkout_flow.py.)
"""

from __future__ import annotations

import email
import email.policy
import ipaddress
import re
import secrets
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from eventflow.adapters.mail import DEFAULT_SENDER, SmtpMailer
from eventflow.domain.models import Buyer, Event, EventStatus, Order, Ticket
from eventflow.domain.money import FeeMode
from tests.server import free_port, running_app

# aiosmtpd warns about AUTH outside STARTTLS, which includes TLS from the first byte (smtps).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
SENDER = "Club Tickets <tickets@club.example>"
EVENT = {
    "title": "Harbour Lights Festival",
    "starts_at": "2027-07-10T16:00:00+02:00",
    "ends_at": "2027-07-10T23:59:00+02:00",
    "timezone": "Europe/Berlin",
    "venue": "Pier 4",
    "currency": "EUR",
    "fee_mode": "buyer_pays",
}


# ------------------------------------------------------------------ a local SMTP server
@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool
    login: str | None


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        tls = server.transport.get_extra_info("ssl_object") is not None  # STARTTLS or TLS from the start
        with self._lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message,
                                          tls, login))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if address in m.rcpt_tos]


def only_user_with(password: str):  # type: ignore[no-untyped-def]
    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"mailer" \
            and auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    return authenticator


@contextmanager
def smtp_server(**options: Any) -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (PEM certificate, PEM key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


# ------------------------------------------------------------------ the running app, mailing over SMTP
@dataclass
class Shop:
    url: str
    inbox: Inbox
    api: httpx.Client
    event: dict[str, Any]


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    port = free_port()
    with smtp_server() as (inbox, smtp_port), running_app(
        tmp_path_factory.mktemp("mailshop"), port=port,
        EVENTFLOW_SMTP_URL=f"smtp://127.0.0.1:{smtp_port}?from={quote(SENDER)}",
        EVENTFLOW_BASE_URL=f"http://127.0.0.1:{port}", EVENTFLOW_OUTBOX_INTERVAL_SECONDS="0.5",
    ) as url, httpx.Client(base_url=f"{url}/api/v1", timeout=20) as api:
        organizer = f"mailer-{secrets.token_hex(3)}@example.com"
        signup = api.post("/auth/signup", json={"email": organizer, "password": "long enough", "name": "Harbour"})
        auth = {"Authorization": f"Bearer {signup.json()['token']}"}
        confirm_email(inbox, organizer)  # a server that sends mail asks organizers to confirm theirs
        event_id = api.post("/events", json=EVENT, headers=auth).json()["id"]
        for name, price in (("Day ticket", 3500), ("Kids go free", 0)):
            response = api.post(f"/events/{event_id}/tiers", headers=auth,
                                json={"name": name, "price_minor": price, "capacity": 100})
            assert response.status_code == 201, response.text
        assert api.post(f"/events/{event_id}/publish", headers=auth).status_code == 200
        yield Shop(url, inbox, api, api.get(f"/events/{event_id}").json())


def confirm_email(inbox: Inbox, address: str) -> None:
    """Open the confirmation link mailed to a new organizer (domain/email_verification.py)."""
    deadline = time.monotonic() + 20
    while not inbox.to(address):
        assert time.monotonic() < deadline, f"no confirmation mail to {address}"
        time.sleep(0.1)
    [link] = re.findall(r"\S+/verify-email\?\S+", inbox.to(address)[0].message.get_body(("plain",)).get_content())
    assert "is confirmed" in httpx.get(link).text


def new_buyer(name: str) -> dict[str, str]:
    return {"name": name, "email": f"{name.split()[0].lower()}-{secrets.token_hex(3)}@example.com"}


def reserve(shop: Shop, buyer: dict[str, str], tier_index: int, quantity: int) -> str:
    response = shop.api.post(f"/events/{shop.event['id']}/reservations", json={
        "lines": [{"tier_id": shop.event["tiers"][tier_index]["id"], "quantity": quantity}], "buyer": buyer})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def ticket_links(message: EmailMessage) -> list[str]:
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    links = re.findall(r"^Ticket \d+: (\S+)\s*$", text, re.MULTILINE)
    assert re.findall(r'href="([^"]+)"', html) == [link.replace("&", "&amp;") for link in links]
    return links


def assert_tickets_mail(shop: Shop, buyer: dict[str, str], paid: dict[str, Any]) -> Received:
    mails = shop.inbox.to(buyer["email"])
    assert len(mails) == 1, [m.message["Subject"] for m in mails]
    mail = mails[0]
    assert mail.rcpt_tos == [buyer["email"]]
    assert parseaddr(str(mail.message["To"])) == (buyer["name"], buyer["email"])
    assert str(mail.message["From"]) == SENDER and mail.mail_from == parseaddr(SENDER)[1]
    assert str(mail.message["Subject"]) == f"Your tickets for {EVENT['title']}"
    links = ticket_links(mail.message)
    assert links == [t["url"] for t in paid["tickets"]]
    for link in links:
        parsed = urlparse(link)
        assert f"{parsed.scheme}://{parsed.netloc}" == shop.url  # EVENTFLOW_BASE_URL, so links work as sent
        ticket_id, key = parsed.path.removeprefix("/t/"), parse_qs(parsed.query)["k"][0]
        ticket = shop.api.get(f"/tickets/{ticket_id}", params={"key": key})
        assert ticket.status_code == 200, ticket.text
        assert ticket.json()["holder"] == buyer["name"] and ticket.json()["status"] == "valid"
        wrong_key = key[:-1] + ("y" if key.endswith("x") else "x")
        assert shop.api.get(f"/tickets/{ticket_id}", params={"key": wrong_key}).status_code == 404
        assert httpx.get(link, timeout=10).status_code == 200  # the wallet page itself
    return mail


def test_a_paid_order_is_mailed_once_to_its_buyer(shop: Shop) -> None:
    buyer = new_buyer("Marguerite Paid")
    reservation_id = reserve(shop, buyer, tier_index=0, quantity=3)
    started = shop.api.post(f"/reservations/{reservation_id}/checkout")
    assert started.status_code == 200 and started.json()["status"] == "payment_required", started.text
    assert shop.inbox.to(buyer["email"]) == []  # nothing is mailed before the payment
    paid = shop.api.post(f"/demo-payments/{reservation_id}/pay")
    assert paid.status_code == 200, paid.text
    assert len(paid.json()["tickets"]) == 3
    mail = assert_tickets_mail(shop, buyer, paid.json())
    body = mail.message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert paid.json()["order_id"] in body and "€108.54" in body  # 3 x (35.00 + 0.88 + 0.30)


def test_a_free_order_is_mailed_at_checkout(shop: Shop) -> None:
    buyer = new_buyer("Kalle Free")
    reservation_id = reserve(shop, buyer, tier_index=1, quantity=2)
    paid = shop.api.post(f"/reservations/{reservation_id}/checkout")
    assert paid.status_code == 200 and paid.json()["status"] == "paid", paid.text
    assert_tickets_mail(shop, buyer, paid.json())


def test_redelivered_payments_send_no_second_mail(shop: Shop) -> None:
    buyer = new_buyer("Rita Retry")
    reservation_id = reserve(shop, buyer, tier_index=0, quantity=1)
    first = shop.api.post(f"/demo-payments/{reservation_id}/pay").json()
    for again in (f"/demo-payments/{reservation_id}/pay", f"/demo-payments/{reservation_id}/pay",
                  f"/reservations/{reservation_id}/checkout"):
        answer = shop.api.post(again)
        assert answer.status_code == 200 and answer.json()["order_id"] == first["order_id"], answer.text
    assert_tickets_mail(shop, buyer, first)


def test_every_buyer_gets_their_own_mail(shop: Shop) -> None:
    buyers = [new_buyer(name) for name in ("Ana One", "Ben Two", "Cleo Three")]
    orders = {}
    for buyer in buyers:
        reservation_id = reserve(shop, buyer, tier_index=0, quantity=1)
        orders[buyer["email"]] = shop.api.post(f"/demo-payments/{reservation_id}/pay").json()
    for buyer in buyers:
        mail = assert_tickets_mail(shop, buyer, orders[buyer["email"]])
        for other in buyers:
            if other is not buyer:
                assert orders[other["email"]]["order_id"] not in mail.message.as_string()


def test_a_sale_stands_when_the_mail_server_is_down(tmp_path: Path) -> None:
    closed_port = free_port()  # nothing listens here
    # No mail server: no organizer could confirm an email either (not what this test is about).
    with running_app(tmp_path, EVENTFLOW_SMTP_URL=f"smtp://127.0.0.1:{closed_port}",
                     EVENTFLOW_EMAIL_VERIFICATION="false") as url, \
            httpx.Client(base_url=f"{url}/api/v1", timeout=20) as api:
        signup = api.post("/auth/signup", json={"email": "down@example.com", "password": "long enough",
                                                "name": "Down"}).json()
        auth = {"Authorization": f"Bearer {signup['token']}"}
        event_id = api.post("/events", json=EVENT, headers=auth).json()["id"]
        tier = api.post(f"/events/{event_id}/tiers", headers=auth,
                        json={"name": "GA", "price_minor": 1000, "capacity": 10}).json()
        api.post(f"/events/{event_id}/publish", headers=auth)
        held = api.post(f"/events/{event_id}/reservations", json={
            "lines": [{"tier_id": tier["id"], "quantity": 1}], "buyer": new_buyer("Una Unmailed")}).json()
        paid = api.post(f"/demo-payments/{held['id']}/pay")
        assert paid.status_code == 200, paid.text
        ticket = paid.json()["tickets"][0]
        assert api.get(f"/tickets/{ticket['ticket_id']}", params={"key": ticket["key"]}).status_code == 200
        assert api.get(f"/events/{event_id}").json()["tiers"][0]["available"] == 9
    log = (tmp_path / "server.log").read_text()
    assert f"mailing the tickets of order {paid.json()['order_id']} failed" in log


def test_a_malformed_smtp_url_stops_the_app_at_start(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="EVENTFLOW_SMTP_URL must look like"), \
            running_app(tmp_path, EVENTFLOW_SMTP_URL="mail.example.com:25"):
        pass


# ------------------------------------------------------------------ SmtpMailer in-process
def sample_order(email_address: str = "zoe@example.com") -> tuple[Order, Event]:
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    event = Event(id="evt_1", organizer_id="org_1", slug="night", title="Night Swim", starts_at=now,
                  ends_at=now + timedelta(hours=3), timezone="UTC", venue="Lido", currency="EUR",
                  description="", fee_mode=FeeMode.BUYER_PAYS, status=EventStatus.PUBLISHED, created_at=now)
    ticket = Ticket(id="tkt_1", order_id="ord_1", event_id="evt_1", tier_id="tier_1", holder_name="Zoe",
                    access_key="key-1", secret="JBSWY3DPEHPK3PXP", price_minor=1000, fee_minor=55)
    order = Order(id="ord_1", reservation_id="res_1", event_id="evt_1", buyer=Buyer(email_address, "Zoe Z"),
                  currency="EUR", subtotal_minor=1000, fee_minor=55, total_minor=1055, created_at=now,
                  payment_ref="demo", tickets=(ticket,))
    return order, event


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.com", {"_host": "mail.example.com", "_port": 25, "_ssl": False, "_starttls": False,
                                     "_user": None, "_password": None, "_sender": DEFAULT_SENDER}),
        ("smtp://user:pass@mail.example.com:587?starttls=true&from=Club%20%3Cbox%40club.example%3E",
         {"_host": "mail.example.com", "_port": 587, "_ssl": False, "_starttls": True, "_user": "user",
          "_password": "pass", "_sender": "Club <box@club.example>"}),
        ("smtps://me%40example.com:p%3Ass%2Fw@smtp.example.com",
         {"_host": "smtp.example.com", "_port": 465, "_ssl": True, "_starttls": False,
          "_user": "me@example.com", "_password": "p:ss/w"}),
        ("smtps://relay.example.com:2465?starttls=no", {"_port": 2465, "_ssl": True, "_starttls": False}),
        ("smtp://relay.example.com?starttls=1", {"_port": 25, "_starttls": True}),
    ],
)
def test_smtp_urls_are_read_into_host_port_tls_credentials_and_sender(url: str, expected: dict) -> None:
    mailer = SmtpMailer(url, "https://tickets.example.com")
    assert {name: getattr(mailer, name) for name in expected} == expected


@pytest.mark.parametrize(
    "url",
    ["", "mail.example.com:25", "http://mail.example.com", "smtp://", "smtp:///path-only", "smtp://:25",
     "smtp://mail.example.com:port", "smtp://mail.example.com:99999", "mailto:tickets@example.com"],
)
def test_bad_smtp_urls_raise_value_error(url: str) -> None:
    with pytest.raises(ValueError):
        SmtpMailer(url, "https://tickets.example.com")


def test_the_mailer_logs_in_with_the_urls_credentials() -> None:
    password = "s3cret:with/odd@chars"
    with smtp_server(authenticator=only_user_with(password), auth_require_tls=False, auth_required=True) \
            as (inbox, port):
        order, event = sample_order()
        SmtpMailer(f"smtp://mailer:{quote(password, safe='')}@127.0.0.1:{port}", "https://t.example").send_tickets(
            order, event)
        (mail,) = inbox.messages
        assert mail.login == "mailer" and mail.rcpt_tos == ["zoe@example.com"]
        assert str(mail.message["From"]) == DEFAULT_SENDER
        assert ticket_links(mail.message) == ["https://t.example/t/tkt_1?k=key-1"]

        import smtplib

        wrong = SmtpMailer(f"smtp://mailer:wrong@127.0.0.1:{port}", "https://t.example")
        with pytest.raises(smtplib.SMTPAuthenticationError):
            wrong.send_tickets(order, event)
        assert len(inbox.messages) == 1


def test_starttls_upgrades_before_logging_in(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust the test certificate, as a real CA would be
    with smtp_server(tls_context=server_tls(certificate), require_starttls=True,
                     authenticator=only_user_with("pw"), auth_required=True) as (inbox, port):
        order, event = sample_order()
        url = f"smtp://mailer:pw@127.0.0.1:{port}?starttls=true"  # trusted through SSL_CERT_FILE
        SmtpMailer(url, "https://t.example").send_tickets(order, event)
        (mail,) = inbox.messages
        assert mail.tls and mail.login == "mailer"


def test_smtps_speaks_tls_from_the_first_byte(certificate: tuple[Path, Path]) -> None:
    # trusted through the URL's cafile= (a private CA), not the environment
    # aiosmtpd counts only STARTTLS as TLS for auth_require_tls; this session is TLS from the start.
    with smtp_server(ssl_context=server_tls(certificate), authenticator=only_user_with("pw"),
                     auth_required=True, auth_require_tls=False) as (inbox, port):
        order, event = sample_order()
        SmtpMailer(f"smtps://mailer:pw@127.0.0.1:{port}?cafile={certificate[0]}", "https://t.example") \
            .send_tickets(order, event)
        (mail,) = inbox.messages
        assert mail.tls and mail.login == "mailer"


def test_an_untrusted_server_certificate_is_refused(certificate: tuple[Path, Path]) -> None:
    with smtp_server(ssl_context=server_tls(certificate), authenticator=only_user_with("pw"),
                     auth_required=True, auth_require_tls=False) as (inbox, port):
        order, event = sample_order()
        with pytest.raises(ssl.SSLError):
            SmtpMailer(f"smtps://mailer:pw@127.0.0.1:{port}", "https://t.example").send_tickets(order, event)
        assert inbox.messages == []
