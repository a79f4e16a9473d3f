"""ORM models, one module per aggregate; importing this package registers every table."""

from .accounts import AccountToken, OutboxMail
from .analytics import (
    DetectionDerive,
    Incident,
    PredictionRisque,
    RecommandationAction,
    ScoreSanteProjet,
)
from .base import Base
from .chat import (
    ChannelMessage,
    ChannelReadState,
    ChannelSequence,
    DirectMessage,
    GroupChat,
    GroupChatMember,
    MessageReaction,
    OrganizationChannel,
    ProjectChannel,
)
from .feed import ActivityLog, Notification, NotificationPreference
from .files import Upload
from .finance import BudgetProjet, Facture, InvoiceCounter, TempsPasse
from .identity import (
    JoinCode,
    Organization,
    OrganizationInvitation,
    Profile,
    RefreshToken,
    User,
    UserOrganization,
)
from .milestones import Milestone, MilestoneAssignment, MilestoneDependency, MilestoneTask
from .ops import AlertState, IdempotencyKey, JobRound
from .people import Competence, ConsultantDetails, ProfileCompetence
from .projects import Affectation, Client, Livrable, Projet, Tache

__all__ = [
    "AccountToken",
    "ActivityLog",
    "Affectation",
    "AlertState",
    "Base",
    "BudgetProjet",
    "ChannelMessage",
    "ChannelReadState",
    "ChannelSequence",
    "Client",
    "Competence",
    "ConsultantDetails",
    "DetectionDerive",
    "DirectMessage",
    "Facture",
    "GroupChat",
    "GroupChatMember",
    "IdempotencyKey",
    "Incident",
    "InvoiceCounter",
    "JobRound",
    "JoinCode",
    "Livrable",
    "MessageReaction",
    "Milestone",
    "MilestoneAssignment",
    "MilestoneDependency",
    "MilestoneTask",
    "Notification",
    "NotificationPreference",
    "Organization",
    "OrganizationChannel",
    "OrganizationInvitation",
    "OutboxMail",
    "PredictionRisque",
    "Profile",
    "ProfileCompetence",
    "ProjectChannel",
    "Projet",
    "RecommandationAction",
    "RefreshToken",
    "ScoreSanteProjet",
    "Tache",
    "TempsPasse",
    "Upload",
    "User",
    "UserOrganization",
]
