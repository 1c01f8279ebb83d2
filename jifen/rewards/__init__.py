"""Rewards: a catalogue priced in points, and redemptions that never oversell nor overdraw."""
