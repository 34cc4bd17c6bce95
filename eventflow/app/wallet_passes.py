"""Wiring of wallet passes (domain/wallet_passes.py) from configuration: the pkpass signer when all of
`EVENTFLOW_PASS_CERT`, `_KEY`, `_WWDR_CERT`, `_TYPE_ID` and `_TEAM_ID` are set; otherwise the door still knows
the pass codes (none are ever made) and no wallet offers a pass."""

from __future__ import annotations

from pathlib import Path

from eventflow.adapters.pkpass import PkpassSigner
from eventflow.config import Settings
from eventflow.domain.ports import Store
from eventflow.domain.wallet_passes import PassCodes, PassIdentity, WalletPasses


def build_wallet_passes(settings: Settings, store: Store, secret: str) -> WalletPasses:
    codes = PassCodes(store, secret)
    if not settings.passes_enabled:
        return WalletPasses(store, codes, None, None, {}, settings.public_url)
    assert settings.pass_cert and settings.pass_key and settings.pass_wwdr_cert
    assert settings.pass_type_id and settings.pass_team_id
    signer = PkpassSigner.from_files(settings.pass_cert, settings.pass_key, settings.pass_wwdr_cert,
                                     settings.pass_key_password)
    icon = (Path(__file__).resolve().parents[1] / "static" / "icon-192.png").read_bytes()  # the app's icon
    images = {"icon.png": icon, "icon@2x.png": icon, "logo.png": icon}
    return WalletPasses(store, codes, signer, PassIdentity(settings.pass_type_id, settings.pass_team_id), images,
                        settings.public_url)
