"""Recognition: levels and leaderboards from points earned in a window (spent or expired points never
lower a rank)."""
