"""assessments: versioned equal-access criteria, proposal assessments, assessors' reviews and answers

Revision ID: 0018_assessments
Revises: 0017_proposals
Create Date: 2026-12-02 18:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0018_assessments"
down_revision = "0017_proposals"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "criteria_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("territory_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["territory_id"], ["territory.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("territory_id", "number"),
    )
    with op.batch_alter_table("criteria_version", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_criteria_version_territory_id"), ["territory_id"], unique=False)

    op.create_table(
        "criterion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("criteria_version_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["criteria_version_id"], ["criteria_version.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("criteria_version_id", "position"),
    )
    with op.batch_alter_table("criterion", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_criterion_criteria_version_id"), ["criteria_version_id"],
                              unique=False)

    op.create_table(
        "proposal_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("criteria_version_id", sa.Integer(), nullable=False),
        sa.Column("verdict_reasons", sa.Text(), nullable=True),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("verdict_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("verdict_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["criteria_version_id"], ["criteria_version.id"]),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["proposal_id"], ["proposal.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["verdict_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("proposal_id"),
    )
    with op.batch_alter_table("proposal_assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_assessment_criteria_version_id"),
                              ["criteria_version_id"], unique=False)

    op.create_table(
        "assessor_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["proposal_assessment.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["assessor_id"], ["user.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("assessment_id", "assessor_id"),
    )
    with op.batch_alter_table("assessor_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessor_review_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessor_review_assessor_id"), ["assessor_id"], unique=False)

    op.create_table(
        "assessment_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["criterion_id"], ["criterion.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["review_id"], ["assessor_review.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("review_id", "criterion_id"),
    )
    with op.batch_alter_table("assessment_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_answer_review_id"), ["review_id"], unique=False)


def downgrade():
    op.drop_table("assessment_answer")
    op.drop_table("assessor_review")
    op.drop_table("proposal_assessment")
    op.drop_table("criterion")
    op.drop_table("criteria_version")
