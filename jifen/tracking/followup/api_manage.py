"""Follow-up plans, templates and forms over the API."""

from ninja import Router

router = Router(tags=["follow-up management"])
