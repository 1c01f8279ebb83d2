"""Managing the catalogue over the API: courses, sessions, categories, materials, requirements, policy and rosters."""

from ninja import Router

router = Router(tags=["catalogue management"])
