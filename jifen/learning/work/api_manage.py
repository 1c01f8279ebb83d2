"""Assignments over the API: create, close, grade submissions."""

from ninja import Router

router = Router(tags=["assignments"])
