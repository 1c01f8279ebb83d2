"""Managing online lessons over the API."""

from ninja import Router

router = Router(tags=["online study management"])
