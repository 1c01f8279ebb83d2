"""Signals other apps listen to, so that org never imports them."""

from django.dispatch import Signal

# Sent after people were written in bulk (the roster import), where no post_save is sent.
# Argument: person_ids, the ids of the people created or changed.
people_changed = Signal()
