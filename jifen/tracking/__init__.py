"""Post-training follow-up (培训后跟踪)."""
