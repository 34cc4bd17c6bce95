"""Wallet passes (domain/wallet_passes.py, adapters/pkpass.py): a .pkpass signed with a throw-away certificate
made here — its manifest lists every file's SHA-1 and its detached signature verifies (openssl), a tampered
manifest does not; the pass's static code names its ticket until a transfer or the organizer's "no passes"."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from eventflow.adapters.pkpass import PkpassSigner
from eventflow.app.wallet_passes import build_wallet_passes
from eventflow.config import Settings
from eventflow.domain.checkin import DoorCheckIn, ScanResult
from eventflow.domain.door_keys import DoorKeys
from eventflow.domain.errors import NotFound
from eventflow.domain.models import Buyer, Ticket
from eventflow.domain.outbox import Outbox
from eventflow.domain.reservations import LineRequest, Ticketing
from eventflow.domain.transfers import Transfers
from eventflow.domain.wallet_passes import PassCodes, PassesUnavailable, PassIdentity, WalletPasses
from tests.conftest import publish_event

BASE = "https://tickets.example"


def certificate(name: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name | None = None,
                issuer_key: ec.EllipticCurvePrivateKey | None = None, ca: bool = False) -> x509.Certificate:
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer or subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(issuer_key or key, hashes.SHA256()))


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A throw-away 'WWDR' authority and a pass certificate it issued (never Apple's)."""
    folder = tmp_path_factory.mktemp("pki")
    wwdr_key, pass_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    wwdr = certificate("Test WWDR", wwdr_key, ca=True)
    issued = certificate("Pass Type ID: pass.example.tickets", pass_key, wwdr.subject, wwdr_key)
    paths = {"wwdr": folder / "wwdr.pem", "cert": folder / "pass.pem", "key": folder / "pass.key"}
    paths["wwdr"].write_bytes(wwdr.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(issued.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(pass_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))
    return paths


def passes(service: Ticketing, pki: dict[str, Path] | None) -> WalletPasses:
    signer = PkpassSigner.from_files(pki["cert"], pki["key"], pki["wwdr"]) if pki else None
    return WalletPasses(service.store, PassCodes(service.store, "test secret"), signer,
                        PassIdentity("pass.example.tickets", "TEAM123456") if pki else None,
                        {"icon.png": b"\x89PNG icon"}, BASE)


def bought(service: Ticketing) -> Ticket:
    event, tiers = publish_event(service)
    held = service.reserve(event.id, [LineRequest(tiers[0].id, 1)], Buyer("ann@example.com", "Ann Buyer"))
    return service.confirm(held.id, "demo").tickets[0]


def verifies(folder: Path, signature: bytes, manifest: bytes, wwdr: Path) -> bool:
    (folder / "signature").write_bytes(signature)
    (folder / "manifest.json").write_bytes(manifest)
    done = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(folder / "signature"),
                           "-content", str(folder / "manifest.json"), "-CAfile", str(wwdr), "-purpose", "any",
                           "-out", "/dev/null"], capture_output=True, check=False)
    return done.returncode == 0


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl verifies the signature")
def test_a_pass_package_lists_its_files_and_its_signature_verifies(service: Ticketing, pki: dict[str, Path],
                                                                   tmp_path: Path) -> None:
    ticket = bought(service)
    wallet = passes(service, pki)
    package = zipfile.ZipFile(io.BytesIO(wallet.pkpass(ticket.id, ticket.access_key)))
    assert sorted(package.namelist()) == ["icon.png", "manifest.json", "pass.json", "signature"]
    manifest = json.loads(package.read("manifest.json"))
    assert manifest == {name: hashlib.sha1(package.read(name)).hexdigest() for name in ("icon.png", "pass.json")}
    fields = json.loads(package.read("pass.json"))
    assert (fields["serialNumber"], fields["passTypeIdentifier"], fields["teamIdentifier"]) == (
        ticket.id, "pass.example.tickets", "TEAM123456")
    assert fields["eventTicket"]["primaryFields"][0]["value"] == "Night Market"
    assert {f["value"] for f in fields["eventTicket"]["secondaryFields"]} >= {"Ann Buyer"}
    code = fields["barcodes"][0]["message"]
    assert PassCodes(service.store, "test secret").ticket_for(code) == ticket.id
    signature = package.read("signature")
    signers = pkcs7.load_der_pkcs7_certificates(signature)
    assert {c.subject.rfc4514_string() for c in signers} == {"CN=Test WWDR", "CN=Pass Type ID: pass.example.tickets"}
    assert verifies(tmp_path, signature, package.read("manifest.json"), pki["wwdr"])
    tampered = package.read("manifest.json").replace(b'"icon.png": "', b'"icon.png": "0')
    assert not verifies(tmp_path, signature, tampered, pki["wwdr"])


def test_a_pass_code_stops_at_a_transfer_and_when_the_organizer_forbids(service: Ticketing,
                                                                        pki: dict[str, Path]) -> None:
    ticket = bought(service)
    codes = PassCodes(service.store, "test secret")
    code = codes.code(ticket)
    assert codes.ticket_for(code) == ticket.id
    tampered = code[:-2] + ("AA" if not code.endswith("AA") else "BA")  # an Ed25519 signature may end in AA
    for forged in (tampered, code.replace(ticket.id, "tkt_other"), "EFP.", "EF2.x.1.y", ""):
        assert codes.ticket_for(forged) is None
    assert PassCodes(service.store, "another server").ticket_for(code) is None
    wallet = passes(service, pki)
    wallet.set_forbidden(ticket.event_id, True)
    assert codes.ticket_for(code) is None and not wallet.offered(ticket.event_id)
    with pytest.raises(PassesUnavailable):
        wallet.pkpass(ticket.id, ticket.access_key)
    wallet.set_forbidden(ticket.event_id, False)
    assert codes.ticket_for(code) == ticket.id
    Transfers(service.store, service.store, service.clock, Outbox(service.store, service.clock), BASE).transfer(
        ticket.id, ticket.access_key, "Bo Friend", "bo@example.com")
    assert codes.ticket_for(code) is None  # the new secret: the old pass is dead
    moved = service.store.get_ticket(ticket.id)
    assert moved is not None and codes.ticket_for(codes.code(moved)) == ticket.id


def test_no_certificate_no_passes_and_a_wrong_key_is_not_found(service: Ticketing) -> None:
    ticket = bought(service)
    wallet = passes(service, None)
    assert not wallet.configured and not wallet.offered(ticket.event_id)
    with pytest.raises(PassesUnavailable):
        wallet.pkpass(ticket.id, ticket.access_key)
    with pytest.raises(NotFound):
        wallet.pkpass(ticket.id, "wrong")


def test_the_door_admits_a_pass_once_and_refuses_it_after_a_transfer(service: Ticketing) -> None:
    first, second = bought(service), bought(service)
    event = service.store.get_event(first.event_id)
    assert event is not None
    door = DoorCheckIn(service.store, service.clock, DoorKeys("door secret"))
    codes = PassCodes(service.store, "test secret")
    assert door.scan(event, codes.code(first), "gate").result is ScanResult.INVALID  # no pass check wired: unknown
    door.passes = codes
    assert door.scan(event, codes.code(first), "gate").result is ScanResult.ADMITTED
    assert door.scan(event, codes.code(first), "gate").result is ScanResult.ALREADY_CHECKED_IN
    assert door.scan(event, codes.code(second), "gate").result is ScanResult.WRONG_EVENT
    other = service.store.get_event(second.event_id)
    assert other is not None
    old = codes.code(second)
    Transfers(service.store, service.store, service.clock, Outbox(service.store, service.clock), BASE).transfer(
        second.id, second.access_key, "Bo Friend", "bo@example.com")
    assert door.scan(other, old, "gate").result is ScanResult.INVALID


def test_the_server_makes_passes_only_with_every_setting(service: Ticketing, pki: dict[str, Path]) -> None:
    ticket = bought(service)
    partial = Settings(pass_cert=pki["cert"], pass_key=pki["key"], pass_type_id="pass.example.tickets")
    assert not build_wallet_passes(partial, service.store, "s").configured
    full = Settings(pass_cert=pki["cert"], pass_key=pki["key"], pass_wwdr_cert=pki["wwdr"],
                    pass_type_id="pass.example.tickets", pass_team_id="TEAM123456")
    wallet = build_wallet_passes(full, service.store, "s")
    assert wallet.offered(ticket.event_id)
    names = zipfile.ZipFile(io.BytesIO(wallet.pkpass(ticket.id, ticket.access_key))).namelist()
    assert {"pass.json", "icon.png", "icon@2x.png", "manifest.json", "signature"} <= set(names)
