"""Box-ticking defence: suspicious patterns open cases for review."""
