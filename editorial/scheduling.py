"""When each process next looks for approved changes whose date has come (see
editorial.middleware.ScheduledChanges): per process, shared by every request it serves."""

import math
import time

from django.db import DatabaseError
from django.utils import timezone

from .models import Revision
from .services import changes_go_live

LOOK_EVERY_SECONDS = 5  # how soon a process learns of a change another process scheduled


class Schedule:
    def __init__(self):
        self.looked_at, self.next_due = -math.inf, None

    def forget(self):
        """Look at the next request: this process has just scheduled a change."""
        self.looked_at = -math.inf

    def looked(self, next_due=None):
        self.looked_at, self.next_due = time.monotonic(), next_due

    def keep(self):
        """Apply what is due; every few seconds, learn the next date (one indexed query)."""
        due = self.next_due is not None and self.next_due <= timezone.now()
        if not due and time.monotonic() - self.looked_at < LOOK_EVERY_SECONDS:
            return
        try:
            changes_go_live()
            self.looked(Revision.objects.scheduled().values_list("goes_live_at", flat=True).first())
        except DatabaseError:
            pass  # unreachable: the page says so (503), and the next request looks again


schedule = Schedule()
