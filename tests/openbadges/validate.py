"""Run 1EdTech's Open Badges validator (``openbadges`` on PyPI) on one hosted assertion URL and print its
report as JSON. Runs inside the validator's own virtual environment (see tests/openbadges/test_openbadges.py):
the validator's pinned dependencies do not install beside Jifen's.

The Open Badges v2 context is served from ``context-v2.json`` beside this file (the machine has no
internet): requests for https://w3id.org/openbadges/v2 are answered locally, every other URL (Jifen's own
live server) is fetched for real.

    python validate.py ASSERTION_URL RECIPIENT_EMAIL
"""

import json
import sys
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from requests.models import Response

CONTEXT_URL = "https://w3id.org/openbadges/v2"
CONTEXT = (Path(__file__).with_name("context-v2.json")).read_bytes()


class LocalContext(HTTPAdapter):
    def send(self, request, **kwargs):
        if request.url.rstrip("/") == CONTEXT_URL:
            response = Response()
            response.status_code, response._content, response.url = 200, CONTEXT, request.url
            response.headers["Content-Type"] = "application/ld+json"
            response.request = request
            return response
        return super().send(request, **kwargs)


_original_init = requests.Session.__init__


def _session_init(self, *args, **kwargs):
    _original_init(self, *args, **kwargs)
    self.mount("https://w3id.org/", LocalContext())


requests.Session.__init__ = _session_init

from openbadges import verify  # noqa: E402  (after the local context is in place)

report = verify(sys.argv[1], recipient_profile={"email": sys.argv[2]}, use_cache=False)
print(json.dumps(report.get("report", report), default=str))
