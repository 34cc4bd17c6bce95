"""Configuration from `EVENTFLOW_*` environment variables and an optional `.env` file."""

from __future__ import annotations

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from eventflow.domain.errors import ValidationFailed
from eventflow.domain.processing_fees import ProcessingFees, ProcessorPrice, parse_processor_prices


class ConfigurationError(Exception):
    """The server cannot start with this configuration or data dir; the message is one sentence
    for the operator (printed instead of a traceback)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EVENTFLOW_", env_file=".env", extra="ignore")

    # This machine only: `./run` on a laptop is reachable from nowhere else. Serving others takes an
    # explicit EVENTFLOW_HOST=0.0.0.0 (or an address), and that also changes the demo data (below).
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("./data")
    store: str | None = None  # sqlite:///path.db (default under data_dir) or dynamodb://TABLE?...
    secret_key: str | None = None  # generated once and kept in the data dir when unset
    base_url: str | None = None  # public address used in links; defaults to http://localhost:PORT
    hold_minutes: float = Field(default=15, gt=0, le=24 * 60)
    # Limits against bots (issue 13, domain/buyer_limits.py, adapters/rate_limit.py): a buyer's new hold
    # replaces their previous one for the event; reserves per client IP and per buyer, as `limits`
    # strings ("20/minute;200/hour") or "off", counted in memory per process. On by default (a real
    # organizer expects them; each event may switch the first two off: domain/sale_settings.py); the test
    # fixtures and benchmarks turn them off (tests/fair_off.py), since they reuse one buyer and one client.
    one_hold_per_buyer: bool = True
    reserve_rate_limit: str = "20/minute;200/hour"
    # Joining a waitlist (issue 13's waitlist) and a waiting room (domain/waiting_room.py): per IP and buyer;
    # a room join is a draw in its lottery, so one client gets few.
    waitlist_join_rate_limit: str = "10/minute;50/hour"
    room_join_rate_limit: str = "10/minute;60/hour"
    # Drop mode (domain/drop_mode.py): holds on a tier selling fast last this long instead; 0: off.
    drop_hold_minutes: float = Field(default=5, ge=0, le=24 * 60)
    reaper_interval_seconds: float = Field(default=5, gt=0)
    outbox_interval_seconds: float = Field(default=5, gt=0)  # the outbox job: due mail, then reminders
    live_poll_seconds: float = Field(default=1, gt=0)
    # Seed the demo organizer and event on first start. Unset: only when listening on this machine
    # only (with the README's password); asked for on another address, the password is generated
    # and printed once in the log (app/demo_data.py), so no deployment has a published login.
    demo_data: bool | None = None
    stripe_secret_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None  # another Stripe API server (the tests' local one)
    stripe_timeout_seconds: float = Field(default=30, gt=0)
    stripe_max_retries: int = Field(default=3, ge=0, le=10)  # same idempotency key on every retry
    stripe_webhook_tolerance_seconds: int = Field(default=300, gt=0)  # oldest signature timestamp accepted
    payment_lease_seconds: float = Field(default=30, gt=0)  # one instance decides a payment's outcome at a time
    reconcile_interval_seconds: float = Field(default=300, gt=0)
    refund_restock: bool = True  # refunded tickets go back on sale (the dashboard can choose per refund)
    # Who carries the card processor's fee (docs/payments.md): `absorb` (default: the organizer, out of
    # the transfer; buyers see the prices they were promised, and surcharging consumer cards is
    # forbidden in the EEA and the UK) or `pass_on` (the buyer, as the line "Payment processing").
    processing_fees: ProcessingFees = ProcessingFees.ABSORB
    # Overrides of the processor's price table, e.g. "USD=2.9%+30,EUR=1.5%+25" (`*=0%`: no estimate)
    processor_prices: str | None = None
    # The platform's Stripe account country (ISO 3166, e.g. US): an organizer whose account is in
    # another country is the merchant of record of their charges (`on_behalf_of`). Unset: never.
    stripe_platform_country: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    crash_points: str | None = None  # fault tests only: comma-separated points where the process kills itself
    smtp_url: str | None = None
    # Organizers confirm their email by a mailed link before publishing. Unset: whenever mail goes out
    # (EVENTFLOW_SMTP_URL); a server writing mail to files only (a trial) cannot deliver the link.
    email_verification: bool | None = None
    oidc_issuer: str | None = None  # e.g. https://accounts.example.com; enables "Log in with ..."
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_provider_name: str = "single sign-on"  # shown on the button: "Log in with <name>"
    # AI flyers (adapters/flyers_openai.py): enabled with a key; any OpenAI-compatible server via base_url.
    # OPENAI_API_KEY / OPENAI_BASE_URL (the SDK's own names) are read when the EVENTFLOW_ ones are unset.
    openai_api_key: str | None = Field(default_factory=lambda: os.environ.get("OPENAI_API_KEY"))
    openai_base_url: str | None = Field(default_factory=lambda: os.environ.get("OPENAI_BASE_URL"))
    openai_chat_model: str = "gpt-4o-mini"  # writes the image prompt and the captions (structured output)
    openai_image_model: str = "gpt-image-1"  # renders the background art; the facts are laid on locally
    openai_timeout_seconds: float = Field(default=60, gt=0)
    openai_max_retries: int = Field(default=2, ge=0, le=5)  # 429 and 5xx, honouring Retry-After
    openai_daily_limit: int = Field(default=10, ge=0)  # AI flyers per organizer per 24 h: protects the key
    # Rates for the pages' APPROXIMATE prices in a visitor's currency (adapters/exchange_rates.py): a JSON
    # file or an http(s) URL, read again daily. Unset: no approximate prices (the event's currency only).
    exchange_rates: str | None = None
    # "Add to Apple Wallet" passes (domain/wallet_passes.py): all of certificate, key, WWDR certificate (PEM
    # files) and Apple's pass type and team ids. Unset: no passes are offered.
    pass_cert: Path | None = None
    pass_key: Path | None = None
    pass_key_password: str | None = None
    pass_wwdr_cert: Path | None = None
    pass_type_id: str | None = None
    pass_team_id: str | None = None

    @field_validator("processor_prices")
    @classmethod
    def _readable_prices(cls, value: str | None) -> str | None:
        try:
            parse_processor_prices(value)
        except ValidationFailed as error:
            raise ValueError(str(error)) from None
        return value

    @property
    def processor_price_table(self) -> dict[str, ProcessorPrice]:
        return parse_processor_prices(self.processor_prices)

    @property
    def listens_locally(self) -> bool:
        """True when only this machine can reach the server (a loopback address)."""
        host = self.host.strip("[]").lower()
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:  # a host name other than localhost: could be anyone's
            return False

    @property
    def seeds_demo_data(self) -> bool:
        return self.listens_locally if self.demo_data is None else self.demo_data

    @property
    def requires_email_verification(self) -> bool:
        return bool(self.smtp_url) if self.email_verification is None else self.email_verification

    @property
    def passes_enabled(self) -> bool:
        return bool(self.pass_cert and self.pass_key and self.pass_wwdr_cert and self.pass_type_id
                    and self.pass_team_id)

    @property
    def stripe_enabled(self) -> bool:
        return bool(self.stripe_secret_key and self.stripe_webhook_secret)

    @property
    def hold_duration(self) -> timedelta:
        return timedelta(minutes=self.hold_minutes)

    @property
    def public_url(self) -> str:
        return (self.base_url or f"http://localhost:{self.port}").rstrip("/")

    def resolved_secret_key(self) -> str:
        """The configured secret, or one generated on first start and kept in the data dir (0600).

        Raises ConfigurationError when the file cannot be read or is empty: signing sessions and
        tokens with an empty key would let anyone forge them."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        try:
            if not path.exists():
                create_private_file(path, secrets.token_urlsafe(48).encode())
            key = path.read_text().strip()
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigurationError(f"The secret key file {path} cannot be read or created ({error}).") from None
        if not key:
            raise ConfigurationError(
                f"The secret key file {path} is empty: restore it from a backup, or delete it to have a new one "
                "generated (which ends every login and voids everything signed with the old key).")
        return key


def create_private_file(path: Path, content: bytes) -> None:
    """Create `path` readable by its owner only (0600), whole or not at all; a file already there
    (another process starting at the same moment) is kept. Its folder is created 0700."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
        os.link(draft, path)  # fails when the file exists: the first writer's content stays
    except FileExistsError:
        pass
    finally:
        draft.unlink(missing_ok=True)
