"""All models, imported here so that Alembic and the app see every table."""

from portal.models.analysis import (
    AnalysisDataset,
    AnalysisFlag,
    AnalysisUpload,
    AnalysisUploadFile,
    ClassRecord,
    FlagEvent,
    FlagLink,
    FlagOccurrence,
    IndexRecord,
    SchoolRecord,
)
from portal.models.assessments import Answer, AssessorReview, CriteriaVersion, Criterion, ProposalAssessment
from portal.models.consultations import (
    AnswerTag,
    Audience,
    Consultation,
    ConsultationAnswer,
    ConsultationInvitee,
    ConsultationResponse,
    Question,
    QuestionKind,
    QuestionOption,
)
from portal.models.documents import (
    Document,
    DocumentFile,
    DocumentParagraph,
    DocumentSection,
    DocumentVersion,
    PassageLocation,
    QuotedPassage,
)
from portal.models.exports import ExportFile
from portal.models.forms import FormToken
from portal.models.groups import Membership, PendingMembership, SensitiveTrait, WorkingGroup
from portal.models.jobs import Job, JobState
from portal.models.mail import OutboxMessage
from portal.models.meetings import (
    AgendaItem,
    Attendance,
    Meeting,
    MeetingGroup,
    MeetingInvitation,
    Minutes,
    MinutesVersion,
    Resolution,
    Task,
)
from portal.models.people import (
    AuditEvent,
    Invitation,
    LinkPurpose,
    LoginSession,
    OneTimeLink,
    PasswordResetToken,
    Role,
    Territory,
    User,
)
from portal.models.proposals import (
    FundingOpinion,
    Milestone,
    Proposal,
    ProposalEvent,
    ProposalIndicator,
)

__all__ = [
    "AnswerTag",
    "Audience",
    "Consultation",
    "ConsultationAnswer",
    "ConsultationInvitee",
    "ConsultationResponse",
    "Question",
    "QuestionKind",
    "QuestionOption",
    "Answer",
    "AssessorReview",
    "CriteriaVersion",
    "Criterion",
    "ProposalAssessment",
    "AnalysisDataset",
    "AnalysisFlag",
    "AnalysisUpload",
    "AnalysisUploadFile",
    "ClassRecord",
    "ExportFile",
    "FlagEvent",
    "Document",
    "DocumentFile",
    "DocumentParagraph",
    "DocumentSection",
    "DocumentVersion",
    "PassageLocation",
    "QuotedPassage",
    "FormToken",
    "FlagLink",
    "FlagOccurrence",
    "IndexRecord",
    "SchoolRecord",
    "AgendaItem",
    "Attendance",
    "Meeting",
    "MeetingGroup",
    "MeetingInvitation",
    "Minutes",
    "MinutesVersion",
    "Resolution",
    "Task",
    "AuditEvent",
    "Invitation",
    "Job",
    "JobState",
    "LoginSession",
    "Membership",
    "OutboxMessage",
    "LinkPurpose",
    "OneTimeLink",
    "PasswordResetToken",
    "PendingMembership",
    "FundingOpinion",
    "Milestone",
    "Proposal",
    "ProposalEvent",
    "ProposalIndicator",
    "Role",
    "SensitiveTrait",
    "Territory",
    "User",
    "WorkingGroup",
]

# Comment rounds (issue 10, second half); kept apart from the list above to merge cleanly.
from portal.models.rounds import (  # noqa: E402
    Comment,
    CommentRound,
    RoundAgendaLink,
    RoundGroup,
    Settlement,
    SettlementOutcome,
)

__all__ += ["Comment", "CommentRound", "RoundAgendaLink", "RoundGroup", "Settlement", "SettlementOutcome"]

# Annual activity reports kept (issue 13); kept apart from the lists above to merge cleanly.
from portal.models.reports import ReportCheck, ReportDraft, ReportVersion, ReportVisibility  # noqa: E402

__all__ += ["ReportCheck", "ReportDraft", "ReportVersion", "ReportVisibility"]
