#!/usr/bin/python3
"""tests/auth/fake-browser.py URL - a minimal "browser" for the code flow tests.

Opens the emulator's sign-in page at URL, submits its form with the test user
(DVTEST_USER / DVTEST_PASSWORD, default the emulator's user), follows the
redirect to the driver's loopback listener and checks the page it answers.
Exit status 0 when the driver answered "Signed in".  Python standard library only."""
import html.parser
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


class Form(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.action = None
        self.fields = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = a.get("action")
        elif tag == "input" and a.get("type") == "hidden":
            self.fields[a["name"]] = a.get("value", "")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main():
    url = sys.argv[-1]
    page = urllib.request.urlopen(url, timeout=30).read().decode("utf-8")
    form = Form()
    form.feed(page)
    form.fields["username"] = os.environ.get("DVTEST_USER", "user@dvemu.onmicrosoft.com")
    form.fields["password"] = os.environ.get("DVTEST_PASSWORD", "dvemu-password")
    target = urllib.parse.urljoin(url, form.action)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(target, urllib.parse.urlencode(form.fields).encode(), timeout=30)
        return 2  # no redirect: the sign-in page refused
    except urllib.error.HTTPError as e:
        if e.code != 302:
            return 3
        location = e.headers["Location"]
    done = urllib.request.urlopen(location, timeout=30).read().decode("utf-8")
    return 0 if "Signed in" in done else 4


if __name__ == "__main__":
    sys.exit(main())
