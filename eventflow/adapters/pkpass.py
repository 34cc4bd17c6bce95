"""Apple Wallet packages (`.pkpass`): a zip of pass.json and images, manifest.json (each file's SHA-1, as
PassKit requires) and `signature` — a detached PKCS #7 signature of the manifest by the operator's pass
certificate, carrying Apple's WWDR intermediate certificate — made with `cryptography` (no openssl call)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs7


class PkpassSigner:
    """`PassSigner` (domain/wallet_passes.py) with a certificate, its private key and the WWDR certificate."""

    def __init__(self, certificate_pem: bytes, key_pem: bytes, wwdr_pem: bytes, key_password: bytes | None = None):
        self.certificate = x509.load_pem_x509_certificate(certificate_pem)
        key = serialization.load_pem_private_key(key_pem, password=key_password)
        if not isinstance(key, RSAPrivateKey | EllipticCurvePrivateKey):
            raise ValueError("the pass key must be an RSA or EC private key")
        self.key = key
        self.wwdr = x509.load_pem_x509_certificate(wwdr_pem)

    @classmethod
    def from_files(cls, certificate: Path, key: Path, wwdr: Path, key_password: str | None = None) -> PkpassSigner:
        return cls(certificate.read_bytes(), key.read_bytes(), wwdr.read_bytes(),
                   key_password.encode() if key_password else None)

    def package(self, files: dict[str, bytes]) -> bytes:
        manifest = json.dumps({name: hashlib.sha1(data, usedforsecurity=False).hexdigest()
                               for name, data in files.items()},
                              sort_keys=True).encode()  # SHA-1: what PassKit's manifest format specifies
        signature = (pkcs7.PKCS7SignatureBuilder().set_data(manifest)
                     .add_signer(self.certificate, self.key, hashes.SHA256())
                     .add_certificate(self.wwdr)
                     .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature,
                                                        pkcs7.PKCS7Options.Binary]))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            for name, data in files.items():
                package.writestr(name, data)
            package.writestr("manifest.json", manifest)
            package.writestr("signature", signature)
        return out.getvalue()
