"""A project's deliverables (`livrable`), oldest first (creation order is stable while
rows are added). Deleting one leaves its tasks with `livrable_id` NULL (ON DELETE SET
NULL)."""

from __future__ import annotations

from .models import Livrable
from .scoped import Scoped

table = Scoped(Livrable)
