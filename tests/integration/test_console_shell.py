"""The console's shell: the session cookie, sign-in (local and Cognito's code flow), CSRF, refusals as pages."""

from __future__ import annotations

import http.server
import json
import threading
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from chalicelib.api.routing import csrf_for
from chalicelib.settings import get_settings
from local.seed import demo_subject
from tests.conftest import _KEYS, token

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def dev_signin(monkeypatch):
    monkeypatch.setenv("DUO_DEV_SIGNIN_KEY", str(_KEYS / "private.pem"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def cookie_header(role: str, branch: str | None = None, **kwargs) -> dict[str, str]:
    return {"Cookie": f"duo_session={token(role, branch, **kwargs)}"}


def set_cookies(response) -> list[str]:
    value = response.headers.get("Set-Cookie") or response.headers.get("set-cookie") or []
    return value if isinstance(value, list) else [value]


def session_cookie(response) -> str:
    return next(c for c in set_cookies(response) if c.startswith("duo_session="))


def post(client, path: str, form: dict, headers: dict):
    return client.http.post(path, headers={**FORM, **headers}, body=urlencode(form, doseq=True))


# --- Sign-in -------------------------------------------------------------------------------------
def test_local_sign_in_lists_demo_staff_and_sets_a_secure_http_only_cookie(client, dev_signin):
    page = client.http.get("/console/sign-in?next=/branches/ghent/console/tasks")
    assert page.status_code == 200
    html = page.body.decode()
    assert "Demo coordinator Ghent" in html and "Demo branch admin Brussels" in html
    nonce = next(c for c in set_cookies(page) if c.startswith("duo_signin=")).split(";")[0].split("=", 1)[1]
    assert f'value="{nonce}"' in html

    coordinator = demo_subject("coordinator", "ghent")
    form = {"signin": nonce, "branch": "ghent", "staff_id": coordinator, "next": "/branches/ghent/console/tasks"}
    answer = post(client, "/console/sign-in", form, {"Cookie": f"duo_signin={nonce}"})
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/branches/ghent/console/tasks"
    flags = [f.strip() for f in session_cookie(answer).split(";")]
    assert {"HttpOnly", "Secure", "SameSite=Lax", "Path=/"} <= set(flags)
    max_age = int(next(f for f in flags if f.startswith("Max-Age=")).split("=")[1])
    assert 7 * 3600 < max_age <= 8 * 3600

    # The cookie signs the coordinator in: /console leads to their branch.
    session = session_cookie(answer).split(";")[0]
    home = client.http.get("/console", headers={"Cookie": session})
    assert (home.status_code, home.headers["Location"]) == (303, "/branches/ghent/console")


def test_local_sign_in_refuses_a_form_without_the_nonce_of_its_cookie(client, dev_signin):
    coordinator = demo_subject("coordinator", "ghent")
    form = {"signin": "forged", "branch": "ghent", "staff_id": coordinator}
    answer = post(client, "/console/sign-in", form, {"Cookie": "duo_signin=the-real-one"})
    assert answer.status_code == 403
    assert answer.headers["Content-Type"].startswith("text/html")
    assert not any(c.startswith("duo_session=") for c in set_cookies(answer))


def test_sign_in_goes_only_to_same_site_paths(client, dev_signin):
    nonce = "n" * 32
    for bad in ("https://evil.example/x", "//evil.example/x", "/\\evil.example"):
        answer = post(client, "/console/sign-in",
                      {"signin": nonce, "branch": "ghent", "staff_id": demo_subject("coordinator", "ghent"),
                       "next": bad}, {"Cookie": f"duo_signin={nonce}"})
        assert answer.headers["Location"] == "/branches/ghent/console", bad


def test_without_a_dev_key_the_local_sign_in_does_not_exist_and_the_page_goes_to_cognito(client, monkeypatch):
    monkeypatch.setenv("DUO_AUTH_DOMAIN", "duo-staff.auth.eu-west-1.amazoncognito.com")
    monkeypatch.setenv("DUO_AUTH_CLIENT_ID", "client123")
    monkeypatch.setenv("DUO_PUBLIC_URL", "https://console.example.org")
    get_settings.cache_clear()
    answer = post(client, "/console/sign-in", {"signin": "x", "branch": "ghent", "staff_id": "x"},
                  {"Cookie": "duo_signin=x"})
    assert answer.status_code == 404
    page = client.http.get("/console/sign-in?next=/branches/ghent/console")
    assert page.status_code == 302
    url = urlparse(page.headers["Location"])
    assert (url.scheme, url.netloc, url.path) == ("https", "duo-staff.auth.eu-west-1.amazoncognito.com",
                                                  "/oauth2/authorize")
    query = parse_qs(url.query)
    assert query["response_type"] == ["code"] and query["client_id"] == ["client123"]
    assert query["redirect_uri"] == ["https://console.example.org/console/callback"]
    assert query["scope"] == ["openid email profile"]
    state_cookie = next(c for c in set_cookies(page) if c.startswith("duo_oauth_state="))
    assert query["state"][0] in state_cookie and "HttpOnly" in state_cookie


class FakeTokenEndpoint(http.server.BaseHTTPRequestHandler):
    """Cognito's /oauth2/token, on loopback: one code it knows, the ID token it hands out."""

    id_token = ""
    seen: list[dict] = []

    def do_POST(self):
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        FakeTokenEndpoint.seen.append({"path": self.path, "form": form, "type": self.headers["Content-Type"]})
        if form.get("code") != ["good-code"]:
            self.send_response(400)
            self.end_headers()
            self.wfile.write(b'{"error":"invalid_grant"}')
            return
        body = json.dumps({"id_token": FakeTokenEndpoint.id_token, "access_token": "x", "token_type": "Bearer"})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_cognito(monkeypatch):
    server = http.server.HTTPServer(("127.0.0.1", 0), FakeTokenEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("DUO_AUTH_DOMAIN", f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv("DUO_AUTH_CLIENT_ID", "client123")
    monkeypatch.setenv("DUO_PUBLIC_URL", "https://console.example.org")
    get_settings.cache_clear()
    FakeTokenEndpoint.seen = []
    yield FakeTokenEndpoint
    server.shutdown()
    server.server_close()
    get_settings.cache_clear()


def test_callback_exchanges_the_code_verifies_the_token_and_sets_the_session(client, fake_cognito):
    staff_id = demo_subject("branch_admin", "antwerp")
    fake_cognito.id_token = token("branch_admin", "antwerp", subject="cognito-sub-1",
                                  extra={"cognito:username": staff_id})
    answer = client.http.get("/console/callback?code=good-code&state=s1",
                             headers={"Cookie": "duo_oauth_state=s1%20%2Fbranches%2Fantwerp%2Fconsole%2Ftasks"})
    assert answer.status_code == 303, answer.body[:400]
    assert answer.headers["Location"] == "/branches/antwerp/console/tasks"
    assert session_cookie(answer).startswith(f"duo_session={fake_cognito.id_token};")
    [call] = fake_cognito.seen
    assert call["path"] == "/oauth2/token" and call["type"] == "application/x-www-form-urlencoded"
    assert call["form"] == {"grant_type": ["authorization_code"], "client_id": ["client123"], "code": ["good-code"],
                            "redirect_uri": ["https://console.example.org/console/callback"]}


def test_callback_refuses_a_foreign_state_a_bad_code_and_a_token_we_did_not_sign(client, fake_cognito):
    fake_cognito.id_token = token("coordinator", "ghent")
    wrong_state = client.http.get("/console/callback?code=good-code&state=other",
                                  headers={"Cookie": "duo_oauth_state=s1%20"})
    assert wrong_state.status_code == 403 and not fake_cognito.seen
    bad_code = client.http.get("/console/callback?code=bad&state=s1", headers={"Cookie": "duo_oauth_state=s1%20"})
    assert bad_code.status_code == 401
    fake_cognito.id_token = "not.a.token"
    forged = client.http.get("/console/callback?code=good-code&state=s1", headers={"Cookie": "duo_oauth_state=s1%20"})
    assert forged.status_code == 401
    assert all(not c.startswith("duo_session=") for r in (wrong_state, bad_code, forged) for c in set_cookies(r))


# --- Sessions, CSRF, refusals ----------------------------------------------------------------------
def test_a_console_page_without_a_cookie_or_with_an_expired_or_bearer_token_redirects_to_sign_in(client):
    path = "/branches/ghent/console/settings"
    assert client.http.get(path).headers["Location"] == "/console/sign-in?next=%2Fbranches%2Fghent%2Fconsole%2Fsettings"
    expired = client.http.get(path, headers=cookie_header("branch_admin", "ghent", lifetime=-3600))
    assert expired.status_code == 303 and expired.headers["Location"].startswith("/console/sign-in?next=")
    garbage = client.http.get(path, headers={"Cookie": "duo_session=abc"})
    assert garbage.status_code == 303
    # The API's bearer header is not a console session.
    bearer_only = client.http.get(path, headers={"Authorization": f"Bearer {token('branch_admin', 'ghent')}"})
    assert bearer_only.status_code == 303


def test_head_office_and_other_branches_get_a_403_page_never_json(client):
    for headers in (cookie_header("head_office"), cookie_header("coordinator", "antwerp"),
                    cookie_header("branch_admin", "antwerp")):
        answer = client.http.get("/branches/ghent/console/settings", headers={**headers, "Accept-Language": "en"})
        assert answer.status_code == 403
        assert answer.headers["Content-Type"].startswith("text/html")
        assert "You may not open this page" in answer.body.decode()
    home = client.http.get("/console", headers=cookie_header("head_office"))  # the head office's own pages
    assert (home.status_code, home.headers["Location"]) == (303, "/console/head-office")


def test_sign_out_needs_the_csrf_field_and_clears_the_cookie(client):
    session = token("coordinator", "ghent")
    headers = {"Cookie": f"duo_session={session}"}
    for form in ({}, {"csrf": "0" * 64}, {"csrf": csrf_for(token("coordinator", "ghent", lifetime=100))}):
        refused = post(client, "/console/sign-out", form, headers)
        assert refused.status_code == 403, form
        assert not any(c.startswith("duo_session=;") for c in set_cookies(refused))
    done = post(client, "/console/sign-out", {"csrf": csrf_for(session)}, headers)
    assert (done.status_code, done.headers["Location"]) == (303, "/console/sign-in")
    cleared = session_cookie(done)
    assert cleared.startswith("duo_session=;") and "Max-Age=0" in cleared


def test_console_pages_carry_the_security_headers(client):
    answer = client.http.get("/branches/ghent/console/settings", headers=cookie_header("coordinator", "antwerp"))
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    csp = answer.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src" not in csp and "style-src 'sha256-" in csp
