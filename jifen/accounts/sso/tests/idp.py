"""A small but real OpenID Connect provider for the tests, on a free port of 127.0.0.1: discovery, JWKS,
authorization (which signs in whoever the test says, at once), token (code + client secret + PKCE, an
RS256-signed ID token) and userinfo. Jifen talks to it over HTTP exactly as to a real one."""

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "jifen"
CLIENT_SECRET = "client-secret-for-tests"
REDIRECT_URI = "http://testserver/accounts/sso/oidc/callback/"


def _new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class TestIdentityProvider:
    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self):
        self.key = _new_key()
        self.other_key = _new_key()  # signs forged tokens
        self.kid = "test-key-1"
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.idp = self
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.reset()

    def reset(self) -> None:
        self.lock = threading.Lock()
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.identity: dict = {"sub": "nobody"}
        self.userinfo_only: set[str] = set()  # claims given by userinfo, not in the ID token
        self.id_token_changes: dict = {}  # e.g. {"nonce": "..."}: a provider (or attacker) misbehaving
        self.forge_signature = False
        self.refuse_sign_in = False
        self.requests: list[str] = []

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def sign_in_as(self, sub: str, **claims) -> None:
        """Who is signed in at the provider when Jifen sends the browser there."""
        self.identity = {"sub": sub, **claims}

    # ------------------------------------------------------------ protocol

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict:
        public = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def authorize(self, query: dict) -> tuple[int, dict]:
        if query.get("client_id") != CLIENT_ID or query.get("redirect_uri") != REDIRECT_URI:
            return 400, {}
        if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
            return 400, {}
        back = {"state": query.get("state", "")}
        if self.refuse_sign_in:
            back["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(16)
            with self.lock:
                self.codes[code] = {
                    "identity": dict(self.identity), "nonce": query.get("nonce"),
                    "challenge": query.get("code_challenge"), "method": query.get("code_challenge_method"),
                    "redirect_uri": query["redirect_uri"],
                }
            back["code"] = code
        return 302, {"Location": f"{query['redirect_uri']}?{urlencode(back)}"}

    def token(self, form: dict) -> tuple[int, dict]:
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {"error": "invalid_client"}
        with self.lock:
            grant = self.codes.pop(form.get("code", ""), None)  # a code works once
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return 400, {"error": "invalid_grant"}
        verifier = form.get("code_verifier", "")
        expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if grant["method"] != "S256" or expected != grant["challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        identity = grant["identity"]
        now = int(time.time())
        claims = {
            "iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300, "nonce": grant["nonce"],
            **{k: v for k, v in identity.items() if k not in self.userinfo_only},
            **self.id_token_changes,
        }
        key = self.other_key if self.forge_signature else self.key
        id_token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})
        access_token = secrets.token_urlsafe(16)
        with self.lock:
            self.access_tokens[access_token] = identity
        return 200, {"access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token}

    def userinfo(self, authorization: str) -> tuple[int, dict]:
        token = authorization.removeprefix("Bearer ").strip()
        with self.lock:
            identity = self.access_tokens.get(token)
        if identity is None:
            return 401, {"error": "invalid_token"}
        return 200, identity


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *args):  # quiet
        pass

    def _reply(self, status: int, body: dict | None = None, headers: dict | None = None) -> None:
        payload = json.dumps(body or {}).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        idp = self.server.idp
        url = urlsplit(self.path)
        idp.requests.append(f"GET {url.path}")
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            self._reply(200, idp.discovery())
        elif url.path == "/jwks":
            self._reply(200, idp.jwks())
        elif url.path == "/authorize":
            status, headers = idp.authorize(query)
            self._reply(status, None, headers)
        elif url.path == "/userinfo":
            self._reply(*idp.userinfo(self.headers.get("Authorization", "")))
        else:
            self._reply(404)

    def do_POST(self):
        idp = self.server.idp
        idp.requests.append(f"POST {self.path}")
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        if self.path == "/token":
            self._reply(*idp.token(form))
        else:
            self._reply(404)
