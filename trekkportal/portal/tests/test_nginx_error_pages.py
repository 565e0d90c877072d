"""When gunicorn is down, restarting or too slow, nginx answers itself: with the portal's own
page from disk (deploy/nginx/errors/), in bokmål, with the security headers and the status
kept. The page is checked as a file, and a real nginx built from the deploy site
(``loadtest.stack.nginx_config``) is started in front of a port where nothing listens."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import http.server
import os
import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest

from loadtest.stack import HOST, PORTS, nginx_config, port_free, wait_for_port

ROOT = Path(__file__).resolve().parents[3]
SITE = ROOT / "deploy" / "nginx" / "trekkportal.conf"
PAGE = ROOT / "deploy" / "nginx" / "errors" / "utilgjengelig.html"
HEADING = "Portalen er midlertidig utilgjengelig"


def style_hash(html: str) -> str:
    """The CSP source that allows the page's one inline <style> element."""
    styles = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    assert len(styles) == 1
    digest = hashlib.sha256(styles[0].encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.found if tag == name]


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


def luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


# The page as a file -----------------------------------------------------------------------


def test_the_page_for_an_unreachable_portal_is_bokmal_with_one_heading_in_a_main_landmark():
    html = PAGE.read_text(encoding="utf-8")
    page = elements(html)
    assert page.tags("html") == [{"lang": "nb"}]
    assert len(page.tags("main")) == 1
    assert len(page.tags("h1")) == 1
    assert f"<h1>{HEADING}</h1>" in html
    assert f"<title>{HEADING}" in html
    assert "Prøv igjen om noen minutter." in html
    assert page.tags("meta")[0] == {"charset": "utf-8"}


def test_the_page_needs_nothing_from_elsewhere_and_runs_no_script():
    html = PAGE.read_text(encoding="utf-8")
    page = elements(html)
    assert not page.tags("script") and not page.tags("link") and not page.tags("img")
    assert not re.search(r"\son\w+=", html)  # no event handler attributes
    assert "url(" not in html and "@import" not in html
    assert [a["href"] for a in page.tags("a")] == ["/"]  # back to the portal, nothing else


def test_every_text_colour_of_the_page_has_enough_contrast_with_every_background():
    style = re.search(r"<style>(.*?)</style>", PAGE.read_text(encoding="utf-8"), re.DOTALL)
    assert style
    texts = re.findall(r"(?<![-\w])color:\s*(#[0-9a-f]{6})", style.group(1))
    backgrounds = re.findall(r"background(?:-color)?:\s*(#[0-9a-f]{6})", style.group(1))
    assert texts and backgrounds
    for text in texts:
        for background in backgrounds:
            assert contrast(text, background) >= 4.5, (text, background)


def test_the_site_serves_the_page_for_502_503_and_504_with_a_csp_allowing_only_its_style():
    site = SITE.read_text()
    assert "error_page 502 503 504 /_trekkportal/utilgjengelig.html;" in site
    assert f"alias /etc/nginx/trekkportal-errors/{PAGE.name};" in site
    csp = re.search(r'add_header Content-Security-Policy "([^"]+)" always;', site)
    assert csp, "the error page's Content-Security-Policy is missing"
    assert style_hash(PAGE.read_text(encoding="utf-8")) in csp.group(1)
    assert "'unsafe-inline'" not in csp.group(1)
    assert "default-src 'none'" in csp.group(1)


# A real nginx in front of nothing -----------------------------------------------------------


@pytest.fixture
def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the nginx tests, but nginx is not installed.")
        pytest.skip("nginx is not installed (Debian: apt-get install nginx).")
    return found


@pytest.fixture
def nothing_listening() -> Iterator[int]:
    """A project port bound but not listening: a connection to it is refused, and nothing
    else can start listening there during the test."""
    sock = socket.socket()
    try:
        for port in PORTS:
            with contextlib.suppress(OSError):
                sock.bind((HOST, port))
                break
        else:
            pytest.fail("no free port among the project's")
        yield port
    finally:
        sock.close()


@contextlib.contextmanager
def loopback_nginx(binary: str, folder: Path, upstream: int) -> Iterator[int]:
    """nginx with the deploy site (``nginx_config``) on a free project port in front of
    ``upstream``; always stopped afterwards."""
    for kind in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / kind).mkdir(parents=True, exist_ok=True)
    for port in (p for p in PORTS if p != upstream and port_free(p)):
        (folder / "nginx.conf").write_text(
            nginx_config(port=port, upstream=upstream, prefix=folder, logs=folder)
        )
        process = subprocess.Popen(
            [binary, "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", "stderr"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            try:
                wait_for_port(port, timeout=15, process=process)
            except RuntimeError:
                if process.poll() is None or process.stderr is None:
                    raise  # still running but not listening: stopped below
                log = folder / "nginx-error.log"
                said = process.stderr.read().decode(errors="replace")
                said += log.read_text(errors="replace") if log.exists() else ""
                if "Address already in use" in said:
                    continue  # taken meanwhile: the next port
                raise RuntimeError(f"nginx did not start: {said}") from None
            yield port
            return
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)
            if process.stderr:
                process.stderr.close()
    pytest.fail("no free port among the project's for nginx")


def read(port: int, method: str, body: bytes | None = None) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection(HOST, port, timeout=20)
    try:
        connection.request(method, "/innsending/", body=body, headers={"Host": "trekk.example.org"})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


@pytest.mark.parametrize(("method", "body"), [("GET", None), ("POST", b"period=2026-10")])
def test_with_the_application_down_nginx_answers_502_with_the_portals_page_and_headers(
    nginx_binary, nothing_listening, tmp_path, method, body
):
    with loopback_nginx(nginx_binary, tmp_path / "nginx", nothing_listening) as port:
        status, headers, page = read(port, method, body)
    assert status == 502
    assert '<html lang="nb">' in page
    assert f"<h1>{HEADING}</h1>" in page
    assert "Listene du allerede har sendt inn" in page
    assert "nginx" not in page
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    csp = headers["Content-Security-Policy"]
    assert style_hash(page) in csp  # the browser applies the page's style
    for directive in ("default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"):
        assert directive in csp
    assert "'unsafe-inline'" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    assert headers["Server"] == "nginx"  # server_tokens off: no version


class _Unhealthy(http.server.BaseHTTPRequestHandler):
    """The application's own 503, as /healthz gives it when a check fails."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = b'{"status": "fail"}'
        self.send_response(503)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def unhealthy_application() -> Iterator[int]:
    for port in PORTS:
        with contextlib.suppress(OSError):
            server = http.server.ThreadingHTTPServer((HOST, port), _Unhealthy)
            break
    else:
        pytest.fail("no free port among the project's")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_a_503_of_the_application_itself_passes_through_unchanged(
    nginx_binary, unhealthy_application, tmp_path
):
    with loopback_nginx(nginx_binary, tmp_path / "nginx", unhealthy_application) as port:
        status, headers, body = read(port, "GET")
    assert status == 503
    assert body == '{"status": "fail"}'  # load balancers read it; not replaced by the page
    assert headers["Content-Type"] == "application/json"
