"""Signed statements (xAPI 1.0.3 / 2.0 "Signed Statements"): a statement with a signature attachment carries a
JWS compact serialization whose payload is the statement itself. Malformed signatures, algorithms other than
RS256/RS384/RS512, payloads that are not the statement, and (when an x5c certificate is sent) signatures that
the certificate does not verify are refused."""

from __future__ import annotations

import base64
import binascii
import copy
import json

from jifen.xapi.validation import Invalid

SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"
ALGORITHMS = {"RS256": "SHA256", "RS384": "SHA384", "RS512": "SHA512"}


def is_signature(attachment: dict) -> bool:
    return attachment.get("usageType") == SIGNATURE and attachment.get("contentType") == "application/octet-stream"


def _b64(text: str, what: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise Invalid(f"the signature's {what} is not base64url") from None


def _comparable(data: dict, payload: dict) -> dict:
    from jifen.xapi.services import canonical

    data = copy.deepcopy(data)
    data["attachments"] = [a for a in data.get("attachments") or [] if not is_signature(a)]
    if not data["attachments"]:
        del data["attachments"]
    if "timestamp" not in payload:
        data.pop("timestamp", None)
    return canonical(data)


def _verify(header: dict, signing_input: bytes, signature: bytes) -> None:
    try:
        from cryptography import x509
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding, rsa
    except ImportError:  # pragma: no cover - the check is optional
        return
    chain = header["x5c"]
    if not isinstance(chain, list) or not chain or not isinstance(chain[0], str):
        raise Invalid("the signature's x5c must be an array of certificates")
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0]))
    except (binascii.Error, ValueError):
        raise Invalid("the signature's x5c certificate cannot be read") from None
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise Invalid("the signature's certificate does not hold an RSA key")
    try:
        key.verify(signature, signing_input, padding.PKCS1v15(), getattr(hashes, ALGORITHMS[header["alg"]])())
    except InvalidSignature:
        raise Invalid("the signature does not verify with its x5c certificate") from None


def check(statement: dict, content: bytes, where: str = "statement") -> None:
    """Refuse (Invalid → 400) a signature attachment that does not sign this statement."""
    try:
        pieces = content.decode("ascii").strip().split(".")
    except UnicodeDecodeError:
        pieces = []
    if len(pieces) != 3 or not all(pieces):
        raise Invalid(f"{where}: the signature is not a JWS compact serialization")
    try:
        header = json.loads(_b64(pieces[0], "header"))
        payload = json.loads(_b64(pieces[1], "payload"))
    except ValueError:
        raise Invalid(f"{where}: the signature's header or payload is not JSON") from None
    signature = _b64(pieces[2], "signature")
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise Invalid(f"{where}: the signature's header and payload must be JSON objects")
    if not isinstance(header.get("alg"), str) or header["alg"] not in ALGORITHMS:
        raise Invalid(f"{where}: the signature's algorithm must be RS256, RS384 or RS512")
    if "id" in payload and str(payload["id"]).lower() != str(statement.get("id", "")).lower():
        raise Invalid(f"{where}: the signature's payload is another statement (id)")
    try:
        same = _comparable(statement, payload) == _comparable(payload, payload)
    except (AttributeError, TypeError, KeyError):  # a payload not shaped like a statement
        same = False
    if not same:
        raise Invalid(f"{where}: the signature's payload is not this statement")
    if "x5c" in header:
        _verify(header, f"{pieces[0]}.{pieces[1]}".encode("ascii"), signature)


def check_all(statements: list[dict], content_of) -> None:
    """content_of(sha2) → bytes or None. At most one signature attachment per statement."""
    for index, item in enumerate(statements):
        signed = [a for a in item.get("attachments") or [] if isinstance(a, dict) and is_signature(a)]
        if len(signed) > 1:
            raise Invalid(f"[{index}] a statement carries at most one signature")
        for attachment in signed:
            content = content_of(attachment["sha2"].lower())
            if content is None:
                raise Invalid(f"[{index}] the signature must be sent as an attachment part, not a fileUrl")
            check(item, content, f"[{index}]")
