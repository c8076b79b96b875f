"""The public guide's examples, run as written against a real server.

Only the host (and the key or password) differ from the guide's text.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.live import LiveServer

pytestmark = pytest.mark.live

EMAIL = "user@example.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with LiveServer(tmp_path_factory.mktemp("guide")) as live:
        live.create_owner(EMAIL, PASSWORD)
        yield live


def guide_login(base: str) -> requests.Session:
    """The guide's session-login example, verbatim but for the host."""
    session = requests.Session()
    # Get CSRF token
    response = session.get(f"{base}/auth/csrf/")
    csrf_token = response.cookies["csrftoken"]
    # Login
    login_data = {"email": EMAIL, "password": PASSWORD}
    headers = {"X-CSRFToken": csrf_token, "Content-Type": "application/json"}
    response = session.post(f"{base}/auth/v1/login/", json=login_data, headers=headers)
    assert response.status_code == 200, response.text
    return session


@pytest.fixture(scope="module")
def api_key(server: LiveServer) -> str:
    session = guide_login(server.url)
    response = session.post(
        f"{server.url}/api/v1/auth/keys/",
        json={"name": "My API Key"},
        headers={"X-CSRFToken": session.cookies["csrftoken"]},
    )
    assert response.status_code == 201, response.text
    return response.json()["data"]["secret"]


def test_session_login_example(server: LiveServer) -> None:
    session = guide_login(server.url)

    response = session.get(f"{server.url}/api/v1/auth/test/")

    assert response.json()["data"]["method"] == "session"
    assert response.json()["data"]["user"]["email"] == EMAIL


def test_curl_session_example(server: LiveServer) -> None:
    session = guide_login(server.url)
    cookie = session.cookies["session"]
    token = session.cookies["csrftoken"]

    done = subprocess.run(
        [
            "curl",
            "-s",
            "-b",
            f"session={cookie}",
            "-H",
            f"X-CSRFToken: {token}",
            f"{server.url}/api/v1/auth/test/",
        ],
        capture_output=True,
        text=True,
        check=True,
    )

    assert json.loads(done.stdout)["data"]["method"] == "session"


def test_curl_api_key_examples(server: LiveServer, api_key: str) -> None:
    jobs = subprocess.run(
        [
            "curl",
            "-s",
            "-H",
            "Accept: application/json",
            "-H",
            f"X-API-KEY: {api_key}",
            f"{server.url}/api/v1/jobs/",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    check = subprocess.run(
        [
            "curl",
            "-s",
            "-H",
            f"X-API-KEY: {api_key}",
            f"{server.url}/api/v1/auth/test/",
        ],
        capture_output=True,
        text=True,
        check=True,
    )

    assert json.loads(jobs.stdout)["success"] is True
    assert json.loads(check.stdout)["data"]["method"] == "api_key"


def test_python_requests_example(server: LiveServer, api_key: str) -> None:
    headers = {"Accept": "application/json", "X-API-KEY": api_key}

    response = requests.get(f"{server.url}/api/v1/jobs/", headers=headers)

    assert response.status_code == 200
    assert response.json()["data"] == []


def test_invalid_key_gives_guide_error(server: LiveServer) -> None:
    response = requests.get(
        f"{server.url}/api/v1/jobs/", headers={"X-API-KEY": "your-api-key"}
    )

    assert response.status_code == 401
    assert response.json() == {
        "success": False,
        "error": {
            "code": "invalid_api_key",
            "message": "The provided API key is invalid or expired",
            "request_id": response.headers["X-Request-ID"],
        },
    }


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_javascript_fetch_example(
    server: LiveServer, api_key: str, tmp_path: Path
) -> None:
    script = tmp_path / "example.mjs"
    script.write_text(
        f"""
const response = await fetch("{server.url}/api/v1/jobs/", {{
  headers: {{
    Accept: "application/json",
    "X-API-KEY": "{api_key}",
  }},
}});
console.log(response.status, JSON.stringify(await response.json()));
"""
    )

    done = subprocess.run(
        ["node", str(script)], capture_output=True, text=True, timeout=60
    )

    status, body = done.stdout.split(" ", 1)
    assert status == "200", done.stderr
    assert json.loads(body)["success"] is True
