"""Live business events: what the finance roles and the people whose time it is hear as
it changes. Each is emitted in the transaction of the change and published after it
commits, to the one room whose members may read it (server/audience.py), so the rule of
the REST routes holds for sockets too:

- `project:updated` to the project's room (sockets that sent `project:subscribe`,
  readers of the project);
- `budget:updated` to the organization's finance roles (`Action.SEE_FINANCIALS`);
- `invoice:created`, `invoice:updated` to the finance roles and to the project's client
  contact, when a CLIENT member (they read their projects' invoices);
- `time-entry:created|updated|validated` to the entry's author and the validators (the
  roles that read everyone's time, `Action.READ_ALL_TIME`).
"""

from __future__ import annotations

from protocol import events
from protocol.enums import ValidationStatus
from protocol.finance import BudgetOut, InvoiceOut
from protocol.projects import ProjectOut
from protocol.time import TimeEntryOut
from store import projects
from store.models import TempsPasse

from ..audience import org_readers_room, project_room, user_room
from ..policy import Action, can_read_own_time, membership, reads_invoices_as_contact
from .core import Tx


def project_updated(tx: Tx, out: ProjectOut) -> None:
    tx.emit(events.PROJECT_UPDATED, out, project_room(out.id))


def budget_updated(tx: Tx, out: BudgetOut) -> None:
    tx.emit(
        events.BUDGET_UPDATED, out, org_readers_room(out.organization_id, Action.SEE_FINANCIALS)
    )


async def invoice_changed(tx: Tx, out: InvoiceOut, created: bool) -> None:
    event = events.INVOICE_CREATED if created else events.INVOICE_UPDATED
    org_id = out.organization_id
    tx.emit(event, out, org_readers_room(org_id, Action.SEE_FINANCIALS))
    project = await projects.get_project(tx.session, org_id=org_id, project_id=out.projet_id)
    if project is None:
        return
    contact = await projects.client_contact_id(
        tx.session, org_id=org_id, client_id=project.client_id
    )
    if contact is None:
        return
    member = await membership(tx.session, org_id, contact)
    if member is not None and reads_invoices_as_contact(member):
        tx.emit(event, out, user_room(contact))


async def time_entry_changed(
    tx: Tx, entry: TempsPasse, out: TimeEntryOut, created: bool = False
) -> None:
    """`time-entry:created`, `:validated` (it is now VALIDE) or `:updated` (any other
    change: a correction, a rejection, a reopening) to the validators' room and to the
    author's own sockets, unless the author is a validator already (heard once) or no
    longer a member who reads their own time."""
    if created:
        event = events.TIME_ENTRY_CREATED
    elif entry.validation_statut == ValidationStatus.VALIDE:
        event = events.TIME_ENTRY_VALIDATED
    else:
        event = events.TIME_ENTRY_UPDATED
    org_id = entry.organization_id
    tx.emit(event, out, org_readers_room(org_id, Action.READ_ALL_TIME))
    author = await membership(tx.session, org_id, entry.profile_id)
    if author is not None and not author.can(Action.READ_ALL_TIME) and can_read_own_time(author):
        tx.emit(event, out, user_room(entry.profile_id))
