"""A project's deliverables (`livrable`).

Deliverables follow the task rules: whoever may edit the project's tasks writes them
(managers and above, the project lead, staffed consultants); its readers read them.
Deleting one leaves its tasks, no longer attached to a deliverable.
"""

from __future__ import annotations

from protocol.delivery import DeliverableOut
from store import deliverables

from ..resource import ProjectResource

DELIVERABLES: ProjectResource[object, DeliverableOut] = ProjectResource(
    name="deliverable",
    table=deliverables.table,
    out=DeliverableOut,
    label="nom",
    filters=("statut",),
    update_names_project=False,
)
