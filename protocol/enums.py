"""Enumerated values of the data model, shared by the wire and the database checks."""

from __future__ import annotations

from enum import StrEnum


class UserRole(StrEnum):
    OWNER = "OWNER"
    ADMIN = "ADMIN"
    MANAGER = "MANAGER"
    CONSULTANT = "CONSULTANT"
    CLIENT = "CLIENT"


class MemberRole(StrEnum):
    """Role inside one organization (`user_organizations.role`); it wins over the profile's."""

    OWNER = "OWNER"
    ADMIN = "ADMIN"
    MANAGER = "MANAGER"
    CONSULTANT = "CONSULTANT"
    MEMBER = "MEMBER"
    CLIENT = "CLIENT"


class JoinCodeRole(StrEnum):
    MEMBER = "MEMBER"
    MANAGER = "MANAGER"


class InvitationRole(StrEnum):
    OWNER = "OWNER"
    ADMIN = "ADMIN"
    MANAGER = "MANAGER"
    MEMBER = "MEMBER"


class UserStatus(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    AWAY = "away"


class ProjectStatus(StrEnum):
    ACTIF = "ACTIF"
    TERMINE = "TERMINE"
    SUSPENDU = "SUSPENDU"


class TaskStatus(StrEnum):
    """Kanban columns, in board order."""

    TODO = "TODO"
    IN_PROGRESS = "IN_PROGRESS"
    IN_REVIEW = "IN_REVIEW"
    DONE = "DONE"


class TaskPriority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class MilestoneStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    ON_HOLD = "on_hold"


class MilestonePriority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ProgressMode(StrEnum):
    AUTO = "auto"
    MANUAL = "manual"


class ConsultantStatus(StrEnum):
    AVAILABLE = "AVAILABLE"
    ON_MISSION = "ON_MISSION"
    ON_LEAVE = "ON_LEAVE"


class PaymentStatus(StrEnum):
    EN_ATTENTE = "EN_ATTENTE"
    PAYE = "PAYE"
    RETARD = "RETARD"


class ValidationStatus(StrEnum):
    EN_ATTENTE = "EN_ATTENTE"
    VALIDE = "VALIDE"
    REJETE = "REJETE"


class RiskColor(StrEnum):
    VERT = "VERT"
    ORANGE = "ORANGE"
    ROUGE = "ROUGE"


class RiskType(StrEnum):
    BUDGET = "BUDGET"
    DELAI = "DELAI"
    QUALITE = "QUALITE"
    RESSOURCES = "RESSOURCES"


class DeliverableStatus(StrEnum):
    A_FAIRE = "A_FAIRE"
    EN_COURS = "EN_COURS"
    LIVRE = "LIVRE"
    VALIDE = "VALIDE"
    REJETE = "REJETE"


class DriftType(StrEnum):
    COUT = "COUT"
    DELAI = "DELAI"
    CHARGE = "CHARGE"


class Severity(StrEnum):
    FAIBLE = "FAIBLE"
    MOYENNE = "MOYENNE"
    ELEVEE = "ELEVEE"
    CRITIQUE = "CRITIQUE"


class IncidentStatus(StrEnum):
    OUVERT = "OUVERT"
    EN_COURS = "EN_COURS"
    RESOLU = "RESOLU"
    FERME = "FERME"


class RecommendationStatus(StrEnum):
    PROPOSEE = "PROPOSEE"
    ACCEPTEE = "ACCEPTEE"
    REJETEE = "REJETEE"
    REALISEE = "REALISEE"


class ChannelType(StrEnum):
    ORGANIZATION = "organization"
    PROJECT = "project"
    GROUP = "group"
    DIRECT = "direct"


class NotificationType(StrEnum):
    INFO = "INFO"
    SUCCESS = "SUCCESS"
    WARNING = "WARNING"
    ERROR = "ERROR"
    TASK_ASSIGNED = "TASK_ASSIGNED"
    TASK_COMPLETED = "TASK_COMPLETED"
    PROJECT_UPDATE = "PROJECT_UPDATE"
    MILESTONE_REACHED = "MILESTONE_REACHED"
    MENTION = "MENTION"
    DIRECT_MESSAGE = "DIRECT_MESSAGE"
    # A reply in a thread one started or replied to.
    REPLY = "REPLY"
    TIME_VALIDATED = "TIME_VALIDATED"
    TIME_REJECTED = "TIME_REJECTED"
    INVITATION = "INVITATION"
    SYSTEM = "SYSTEM"


class NotificationChannel(StrEnum):
    """How a user wants one type of notification (`/me/notification-preferences`): in the
    app only, in the app and in the mail digest too, or not at all (never created)."""

    IN_APP = "in_app"
    EMAIL = "email"
    OFF = "off"


class ActivityAction(StrEnum):
    """`activity_logs.action`: what happened. Each area adds its own values here."""

    MEMBER_ADDED = "MEMBER_ADDED"
    MEMBER_REMOVED = "MEMBER_REMOVED"
    ROLE_CHANGED = "ROLE_CHANGED"
    ORG_UPDATED = "ORG_UPDATED"
    JOIN_CODE_CREATED = "JOIN_CODE_CREATED"
    JOIN_CODE_DELETED = "JOIN_CODE_DELETED"
    INVITATION_CREATED = "INVITATION_CREATED"
    INVITATION_RESENT = "INVITATION_RESENT"
    INVITATION_REVOKED = "INVITATION_REVOKED"
    MILESTONE_CREATED = "MILESTONE_CREATED"
    MILESTONE_UPDATED = "MILESTONE_UPDATED"
    MILESTONE_DELETED = "MILESTONE_DELETED"
    MILESTONE_TASK_LINKED = "MILESTONE_TASK_LINKED"
    MILESTONE_TASK_UNLINKED = "MILESTONE_TASK_UNLINKED"
    MILESTONE_DEPENDENCY_ADDED = "MILESTONE_DEPENDENCY_ADDED"
    MILESTONE_DEPENDENCY_REMOVED = "MILESTONE_DEPENDENCY_REMOVED"
    MILESTONE_MEMBER_ASSIGNED = "MILESTONE_MEMBER_ASSIGNED"
    MILESTONE_MEMBER_UNASSIGNED = "MILESTONE_MEMBER_UNASSIGNED"
    DELIVERABLE_CREATED = "DELIVERABLE_CREATED"
    DELIVERABLE_UPDATED = "DELIVERABLE_UPDATED"
    DELIVERABLE_DELETED = "DELIVERABLE_DELETED"
    STAFFING_CREATED = "STAFFING_CREATED"
    STAFFING_UPDATED = "STAFFING_UPDATED"
    STAFFING_DELETED = "STAFFING_DELETED"
    CLIENT_CREATED = "CLIENT_CREATED"
    CLIENT_UPDATED = "CLIENT_UPDATED"
    CLIENT_DELETED = "CLIENT_DELETED"
    PROJECT_CREATED = "PROJECT_CREATED"
    PROJECT_UPDATED = "PROJECT_UPDATED"
    PROJECT_DELETED = "PROJECT_DELETED"
    TASK_CREATED = "TASK_CREATED"
    TASK_UPDATED = "TASK_UPDATED"
    TASK_MOVED = "TASK_MOVED"
    TASK_DELETED = "TASK_DELETED"
    BUDGET_SET = "BUDGET_SET"
    INVOICE_CREATED = "INVOICE_CREATED"
    INVOICE_UPDATED = "INVOICE_UPDATED"
    INVOICE_DELETED = "INVOICE_DELETED"
    HEALTH_COMPUTED = "HEALTH_COMPUTED"
    PREDICTION_INGESTED = "PREDICTION_INGESTED"
    RECOMMENDATION_UPDATED = "RECOMMENDATION_UPDATED"
    INCIDENT_CREATED = "INCIDENT_CREATED"
    INCIDENT_UPDATED = "INCIDENT_UPDATED"
    INCIDENT_DELETED = "INCIDENT_DELETED"
    CONSULTANT_CREATED = "CONSULTANT_CREATED"
    CONSULTANT_UPDATED = "CONSULTANT_UPDATED"
    CONSULTANT_DELETED = "CONSULTANT_DELETED"
    COMPETENCE_CREATED = "COMPETENCE_CREATED"
    COMPETENCE_UPDATED = "COMPETENCE_UPDATED"
    COMPETENCE_DELETED = "COMPETENCE_DELETED"
    SKILL_SET = "SKILL_SET"
    SKILL_REMOVED = "SKILL_REMOVED"
    TIME_ENTRY_CREATED = "TIME_ENTRY_CREATED"
    TIME_ENTRY_UPDATED = "TIME_ENTRY_UPDATED"
    TIME_ENTRY_DELETED = "TIME_ENTRY_DELETED"
    TIME_ENTRY_VALIDATED = "TIME_ENTRY_VALIDATED"
    TIME_ENTRY_REJECTED = "TIME_ENTRY_REJECTED"
    TIME_ENTRY_REOPENED = "TIME_ENTRY_REOPENED"


class Locale(StrEnum):
    """Language of the mails a user receives (French by default)."""

    FR = "fr"
    EN = "en"


class AccountTokenPurpose(StrEnum):
    """What a single-use token mailed to a user proves or allows."""

    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"


class EmailNotifications(StrEnum):
    """Mail about unread mentions and direct messages: never, a digest once the user has
    been offline a while, or at most one digest a day."""

    OFF = "off"
    DIGEST = "digest"
    DAILY = "daily"
