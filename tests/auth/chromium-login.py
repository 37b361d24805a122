#!/usr/bin/python3
"""tests/auth/chromium-login.py URL - completes the emulator's sign-in page in
headless Chromium, driven through chromedriver's WebDriver HTTP API (Python
standard library only).

Starts chromedriver on a free port, opens URL, types the test user and password
(DVTEST_USER / DVTEST_PASSWORD), presses "Sign in", and waits until the browser
shows the driver's loopback page ("dvodbc-done").  Writes the final page to
$DVTEST_BROWSER_OUT when set.  Exit status 0 on success."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read().decode() or "{}").get("value")


def main():
    url = sys.argv[-1]
    profile = tempfile.mkdtemp(prefix="dvtest-chromium-")
    port = free_port()
    drv = subprocess.Popen([DRIVER, "--port=%d" % port], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    base = "http://127.0.0.1:%d" % port
    try:
        for _ in range(100):
            try:
                call(base, "GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": ["--headless", "--no-sandbox", "--disable-gpu",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                     "--user-data-dir=" + profile]}}}}
        sid = call(base, "POST", "/session", caps)["sessionId"]
        s = "/session/" + sid
        try:
            call(base, "POST", s + "/url", {"url": url})

            def element(css):
                el = call(base, "POST", s + "/element", {"using": "css selector", "value": css})
                return s + "/element/" + list(el.values())[0]

            call(base, "POST", element("#username") + "/clear", {})
            call(base, "POST", element("#username") + "/value",
                 {"text": os.environ.get("DVTEST_USER", "user@dvemu.onmicrosoft.com")})
            call(base, "POST", element("#password") + "/value",
                 {"text": os.environ.get("DVTEST_PASSWORD", "dvemu-password")})
            call(base, "POST", element("#idSIButton9") + "/click", {})
            source = ""
            for _ in range(150):
                source = call(base, "GET", s + "/source")
                if "dvodbc-done" in source or "dvodbc-failed" in source:
                    break
                time.sleep(0.1)
            out = os.environ.get("DVTEST_BROWSER_OUT")
            if out:
                # written whole, then renamed: the test reads it once it exists
                with open(out + ".part", "w") as f:
                    f.write(source)
                os.rename(out + ".part", out)
            return 0 if "dvodbc-done" in source else 1
        finally:
            call(base, "DELETE", s)
    finally:
        drv.terminate()
        drv.wait(10)
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
