#!/usr/bin/env python3
"""Screenshots of the organisers' backoffice from the demo, into docs/screenshots/:
the dashboard, an event's page, its attendee list (a search for "muller") and the new-event
form, in German and English, at desktop (1280 px) and phone (390 px) width.

Signs in the way an organiser does, through the sign-in page with the admin's token, in a
headless Chromium driven over WebDriver (chromedriver), with nothing but Python's standard
library. Needs Chromium and chromedriver (`apt-get install chromium chromium-driver`).

    docs/orga_screenshots.py     # builds podium, seeds the demo into a temporary database,
                                 # serves it on 127.0.0.1:$PORT (default 18091), shoots, stops
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "docs", "screenshots")
PORT = int(os.environ.get("PORT", "18091"))
BASE = f"http://127.0.0.1:{PORT}"
EVENT = "jahrestagung-2027"


def wait_for(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Driver:
    """The few WebDriver commands the screenshots need."""

    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
            "binary": shutil.which("chromium") or "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"],
        }}}}
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        return json.load(urllib.request.urlopen(request))["value"]

    def cmd(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def goto(self, url):
        self.cmd("POST", "/url", {"url": url})

    def element(self, css):
        found = self.cmd("POST", "/element", {"using": "css selector", "value": css})
        return next(iter(found.values()))

    def type(self, css, text):
        self.cmd("POST", f"/element/{self.element(css)}/value", {"text": text})

    def click(self, css):
        self.cmd("POST", f"/element/{self.element(css)}/click", {})

    def size(self, width, height):
        self.cmd("POST", "/window/rect", {"width": width, "height": height})

    def shoot(self, name):
        path = os.path.join(OUT, f"{name}.png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.cmd("GET", "/screenshot")))
        print(os.path.relpath(path, ROOT))

    def quit(self):
        self.cmd("DELETE", "")


def main():
    work = tempfile.mkdtemp()
    env = dict(os.environ,
               DATABASE_URL=f"sqlite://{work}/demo.db?mode=rwc",
               PODIUM_BIND=f"127.0.0.1:{PORT}", PODIUM_PUBLIC_URL=BASE,
               PODIUM_MAIL_DIR=f"{work}/mail", PODIUM_RATE_LIMIT="0", RUST_LOG="warn")
    subprocess.run(["cargo", "build", "--quiet"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "debug", "podium")
    subprocess.run([binary, "seed", "demo"], env=env, check=True, stdout=subprocess.DEVNULL)
    token = subprocess.run(
        [binary, "organiser", "add", "--name", "Katrin Weber", "--email",
         "eventmanager@example.org", "--admin"],
        env=env, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    server = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    driver_port = free_port()
    chromedriver = subprocess.Popen(["chromedriver", f"--port={driver_port}"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"{BASE}/readyz")
        wait_for(f"http://127.0.0.1:{driver_port}/status")
        driver = Driver(driver_port)
        driver.goto(f"{BASE}/orga/sign-in?lang=en")
        driver.type("#token", token)
        driver.click("form:has(#token) button[type=submit]")
        pages = [
            ("orga-dashboard", "/orga/"),
            ("orga-event", f"/orga/events/{EVENT}"),
            ("orga-attendees", f"/orga/events/{EVENT}/attendees?q=muller"),
            ("orga-new-event", "/orga/events/new"),
        ]
        for lang in ["de", "en"]:
            for name, path in pages:
                join = "&" if "?" in path else "?"
                driver.goto(f"{BASE}{path}{join}lang={lang}")
                driver.size(1280, 1100)
                driver.shoot(f"{name}-{lang}-desktop")
                driver.size(390, 1400)
                driver.shoot(f"{name}-{lang}-phone")
        driver.quit()
    finally:
        chromedriver.terminate()
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
