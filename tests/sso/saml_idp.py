"""A real SAML 2.0 IdP for the tests: pysaml2 behind a small WSGI app.

Routes: ``/metadata``; ``/sso/redirect`` (HTTP-Redirect binding), which shows
a login form; ``/sso/login``, which checks the password and responds with the
auto-submitting HTTP-POST form that carries the signed response. Responses
and assertions are signed with RSA-SHA256 and SHA-256 digests.
"""

from __future__ import annotations

import datetime
import html
import threading
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.authn_context import PASSWORD
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAME_FORMAT_BASIC, NAMEID_FORMAT_UNSPECIFIED, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from tests.live import free_port

LOGIN_FORM = """<!doctype html><html><body><h1>Test IdP</h1>
<form method="post" action="/sso/login">
<input type="hidden" name="SAMLRequest" value="{request}">
<input type="hidden" name="RelayState" value="{relay}">
<label>Username <input name="username"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button>
</form></body></html>"""


def make_certificate(directory: Path, name: str) -> tuple[Path, Path]:
    """Write a self-signed RSA-2048 key and certificate; return their paths."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    key_path = directory / f"{name}.key"
    cert_path = directory / f"{name}.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class ThreadingWsgiServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class SamlIdp:
    """pysaml2 IdP serving ``users`` (name -> password, name_id, attributes)."""

    def __init__(self, directory: Path, users: dict[str, dict[str, Any]]) -> None:
        self.directory = directory
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.entity_id = f"{self.base}/metadata"
        self.sso_url = f"{self.base}/sso/redirect"
        self.key_path, self.cert_path = make_certificate(directory, "idp")
        self.users = users
        self.server: Server | None = None
        self.httpd: WSGIServer | None = None

    @property
    def certificate(self) -> str:
        return self.cert_path.read_text()

    def start(self, sp_metadata: str) -> SamlIdp:
        metadata_path = self.directory / "sp-metadata.xml"
        metadata_path.write_text(sp_metadata)
        config = IdPConfig()
        config.load(
            {
                "entityid": self.entity_id,
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [
                                (self.sso_url, BINDING_HTTP_REDIRECT)
                            ]
                        },
                        "name_id_format": [NAMEID_FORMAT_UNSPECIFIED],
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": 15},
                                "name_form": NAME_FORMAT_BASIC,
                            }
                        },
                    }
                },
                "key_file": str(self.key_path),
                "cert_file": str(self.cert_path),
                "xmlsec_binary": "/usr/bin/xmlsec1",
                "metadata": {"local": [str(metadata_path)]},
            }
        )
        self.server = Server(config=config)
        self.httpd = make_server(
            "127.0.0.1",
            self.port,
            self.app,
            server_class=ThreadingWsgiServer,
            handler_class=QuietHandler,
        )
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()

    def app(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path = environ["PATH_INFO"]
        if path == "/metadata":
            assert self.server is not None
            body = create_metadata_string(None, self.server.config).decode()
            return self.reply(start_response, "200 OK", body, "text/xml")
        if path == "/sso/redirect":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            page = LOGIN_FORM.format(
                request=html.escape(query.get("SAMLRequest", [""])[0]),
                relay=html.escape(query.get("RelayState", [""])[0]),
            )
            return self.reply(start_response, "200 OK", page)
        if path == "/sso/login" and environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            form = parse_qs(environ["wsgi.input"].read(length).decode())
            fields = {name: values[0] for name, values in form.items()}
            return self.login(start_response, fields)
        return self.reply(start_response, "404 Not Found", "not found")

    def login(self, start_response: Any, fields: dict[str, str]) -> list[bytes]:
        user = self.users.get(fields.get("username", ""))
        if user is None or user["password"] != fields.get("password"):
            return self.reply(start_response, "401 Unauthorized", "wrong password")
        assert self.server is not None
        request = self.server.parse_authn_request(
            fields["SAMLRequest"], BINDING_HTTP_REDIRECT
        )
        arguments = self.server.response_args(request.message)
        response = self.server.create_authn_response(
            identity=user["attributes"],
            userid=user["name_id"],
            name_id=NameID(format=NAMEID_FORMAT_UNSPECIFIED, text=user["name_id"]),
            authn={"class_ref": PASSWORD, "authn_auth": self.base},
            sign_assertion=True,
            sign_response=True,
            sign_alg=SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA256,
            **arguments,
        )
        page = self.server.apply_binding(
            BINDING_HTTP_POST,
            str(response),
            arguments["destination"],
            fields.get("RelayState", ""),
            response=True,
        )["data"]
        return self.reply(start_response, "200 OK", page)

    @staticmethod
    def reply(
        start_response: Any, status: str, body: str, content_type: str = "text/html"
    ) -> list[bytes]:
        data = body.encode()
        start_response(
            status,
            [("Content-Type", content_type), ("Content-Length", str(len(data)))],
        )
        return [data]
