"""Homework, knowledge contributions and self-study claims."""
