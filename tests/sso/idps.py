"""Real identity providers for the SSO tests, each run on a free loopback port.

``OidcProvider`` runs the ``oidc-provider`` npm package (installed by
scripts/test into tests/sso/oidc_idp/node_modules) with its built-in login
pages. ``drive_login`` walks an IdP's HTML forms without a browser, the way a
person would, until the IdP redirects back to us.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

from tests.live import free_port

HERE = Path(__file__).resolve().parent
OIDC_DIR = HERE / "oidc_idp"
FORM = re.compile(r"<form[^>]*action=\"([^\"]*)\"[^>]*>(.*?)</form>", re.S | re.I)
INPUT = re.compile(r"<input[^>]*>", re.I)
ATTRIBUTE = re.compile(r"(\w+)=\"([^\"]*)\"")


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"IdP exited early:\n{log.read_text(errors='replace')}")
        try:
            if requests.get(url, timeout=1).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"IdP not ready at {url}:\n{log.read_text(errors='replace')}")


class OidcProvider:
    """One oidc-provider process with the given clients, signing key and users."""

    def __init__(
        self,
        log_dir: Path,
        clients: list[dict[str, Any]],
        jwks: dict[str, Any],
        accounts: dict[str, dict[str, Any]],
    ) -> None:
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.config = {
            "port": self.port,
            "issuer": self.issuer,
            "clients": clients,
            "jwks": jwks,
            "accounts": accounts,
        }
        self.log = log_dir / f"oidc-idp-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> OidcProvider:
        if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
            raise RuntimeError(
                "oidc-provider is not installed: run scripts/test, or "
                f"npm install oidc-provider@9.13.3 in {OIDC_DIR}"
            )
        env = {**os.environ, "IDP_CONFIG": json.dumps(self.config)}
        self.process = subprocess.Popen(
            ["node", str(OIDC_DIR / "idp.mjs")],
            cwd=OIDC_DIR,
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        wait_for(
            f"{self.issuer}/.well-known/openid-configuration", self.process, self.log
        )
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def form_fields(page: str) -> tuple[str, dict[str, str]]:
    """Return the first form's action and its named inputs' values."""
    match = FORM.search(page)
    if match is None:
        raise AssertionError(f"no form on the IdP page:\n{page[:2000]}")
    fields = {}
    for tag in INPUT.findall(match.group(2)):
        attributes = dict(ATTRIBUTE.findall(tag))
        if "name" in attributes:
            fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
    return html.unescape(match.group(1)), fields


def drive_login(
    start_url: str, until: str, username: str, password: str = "any-password"
) -> str:
    """Follow an IdP's redirects and forms from ``start_url``; return the first
    URL that starts with ``until`` (our callback), without requesting it."""
    browser = requests.Session()
    url, method, data = start_url, "GET", None
    for _ in range(20):
        response = browser.request(method, url, data=data, allow_redirects=False)
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            method, data = "GET", None
            if url.startswith(until):
                return url
            continue
        action, fields = form_fields(response.text)
        fields.setdefault("login", username)
        fields.setdefault("password", password)
        if "login" in fields and not fields["login"]:
            fields["login"] = username
        if "password" in fields and not fields["password"]:
            fields["password"] = password
        url, method, data = urljoin(url, action), "POST", fields
    raise AssertionError("the IdP never redirected back")
