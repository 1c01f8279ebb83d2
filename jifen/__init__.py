"""Jifen (积分): training credits and points."""

__version__ = "0.1.0"
