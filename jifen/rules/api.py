"""Rules over the API: list, read, create, edit (a new version), publish, archive, import, export, simulate."""

from ninja import Router

router = Router(tags=["rules"])
