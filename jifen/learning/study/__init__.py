"""Online lessons: study time counted by the server from heartbeats."""
