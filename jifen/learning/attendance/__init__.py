"""Check-in, attendance, participation and make-up study."""
