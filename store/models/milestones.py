"""Milestones, their tasks, the people assigned to them and their dependencies."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import CheckConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from protocol.enums import MilestonePriority, MilestoneStatus, ProgressMode

from .base import (
    Base,
    CreatedAt,
    OrgScoped,
    Timestamps,
    UUIDPk,
    enum_column,
    fk,
    in_check,
    range_check,
)


class Milestone(UUIDPk, OrgScoped, Timestamps, Base):
    """`projet_id` NULL is an organization-level milestone."""

    __tablename__ = "milestones"
    __table_args__ = (
        in_check("status", "status", MilestoneStatus),
        in_check("priority", "priority", MilestonePriority),
        in_check("progress_mode", "progress_mode", ProgressMode),
        range_check("progress_percentage", "progress_percentage", 0, 100),
        CheckConstraint("due_date >= start_date", name="dates"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    projet_id: Mapped[uuid.UUID | None] = fk("projet.id", "CASCADE", index=True)
    name: Mapped[str] = mapped_column(String)
    description: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[date]
    due_date: Mapped[date]
    status: Mapped[str] = enum_column(MilestoneStatus.NOT_STARTED, String)
    priority: Mapped[str | None] = enum_column(MilestonePriority.MEDIUM, String)
    color: Mapped[str | None] = mapped_column(String)
    progress_mode: Mapped[str | None] = enum_column(ProgressMode.AUTO, String)
    progress_percentage: Mapped[int | None] = mapped_column(default=0, server_default="0")
    created_by: Mapped[uuid.UUID | None] = fk("profiles.id", "SET NULL", index=True)
    version: Mapped[int] = mapped_column(default=1, server_default="1")


class MilestoneTask(UUIDPk, OrgScoped, CreatedAt, Base):
    """`weight` counts the task in the milestone's automatic progress; 0 would hide it."""

    __tablename__ = "milestone_tasks"
    __table_args__ = (
        UniqueConstraint("milestone_id", "tache_id"),
        CheckConstraint("weight >= 1", name="weight_positive"),
    )

    milestone_id: Mapped[uuid.UUID] = fk("milestones.id", "CASCADE")
    tache_id: Mapped[uuid.UUID] = fk("tache.id", "CASCADE", index=True)
    weight: Mapped[int | None] = mapped_column(default=1, server_default="1")


class MilestoneAssignment(UUIDPk, OrgScoped, CreatedAt, Base):
    __tablename__ = "milestone_assignments"
    __table_args__ = (UniqueConstraint("milestone_id", "profile_id"),)

    milestone_id: Mapped[uuid.UUID] = fk("milestones.id", "CASCADE")
    profile_id: Mapped[uuid.UUID] = fk("profiles.id", "CASCADE", index=True)
    role: Mapped[str | None] = mapped_column(Text)


class MilestoneDependency(UUIDPk, OrgScoped, CreatedAt, Base):
    """`milestone_id` depends on `depends_on_id`.

    The service refuses cycles; a CHECK sees one row, so the database refuses only the
    self-loop.
    """

    __tablename__ = "milestone_dependencies"
    __table_args__ = (
        UniqueConstraint("milestone_id", "depends_on_id"),
        CheckConstraint("milestone_id <> depends_on_id", name="not_self"),
    )

    milestone_id: Mapped[uuid.UUID] = fk("milestones.id", "CASCADE")
    depends_on_id: Mapped[uuid.UUID] = fk("milestones.id", "CASCADE", index=True)
