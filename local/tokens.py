"""Local stand-in for Cognito's signing: an RSA key pair, its JWKS, and tokens shaped like
Cognito ID tokens (``cognito:groups``, ``custom:branch``). The app verifies them with the very
code it uses in AWS; only the JWKS address differs.
"""

from __future__ import annotations

import json
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.api.auth import LOCAL_KID, mint

ISSUER = "duo-local"
AUDIENCE = "duo-console"
KID = LOCAL_KID
__all__ = ["AUDIENCE", "ISSUER", "KID", "generate_keys", "mint"]


def generate_keys(directory: Path) -> Path:
    """Write ``private.pem`` and ``jwks.json`` into ``directory`` (once); return the JWKS path."""
    directory.mkdir(parents=True, exist_ok=True)
    private_path, jwks_path = directory / "private.pem", directory / "jwks.json"
    if private_path.exists() and jwks_path.exists():
        return jwks_path
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    private_path.chmod(0o600)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwks_path.write_text(json.dumps({"keys": [{**public, "kid": KID, "alg": "RS256", "use": "sig"}]}))
    return jwks_path
