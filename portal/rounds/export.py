"""The settlement table (*tabulka vypořádání připomínek*) as DOCX, PDF, CSV and XLSX, always in Czech,
with the document, version and round in the heading, ready to attach for the Řídicí výbor.

The table is one `portal.exports.Document` (landscape, the header row repeated on every page) built by
`table_of`, the builder registered as ``"rounds.settlement"``; the shared exports package renders it to every
format and sends it (`portal.exports.deliver`), putting large renders on the job queue with a progress page.
"""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _

from portal import exports
from portal.extensions import db
from portal.models.rounds import CommentRound
from portal.rounds import local_label, reads

BUILDER = "rounds.settlement"
FORMATS = ("docx", "pdf", "csv", "xlsx")
LOCALE = "cs"
# Relative column widths: number, author, place, comment, proposed wording, type, settlement, reason.
WIDTHS = (1, 3.5, 2.5, 6, 4.5, 2.2, 2.8, 4.2)


def header() -> list[str]:
    return [
        _("No."),
        _("Author / organisation"),
        _("Chapter / paragraph"),
        _("Comment"),
        _("Proposed wording"),
        _("Type"),
        _("Settlement"),
        _("Reason"),
    ]


def _lines(round_: CommentRound) -> list[str]:
    version = round_.document_version
    figures = reads.progress(round_)
    return [
        _("Document: %(title)s, version %(version)s", title=version.document.title, version=version.label),
        _(
            "Comment round: %(title)s (%(opens)s – %(closes)s)",
            title=round_.title,
            opens=local_label(round_.opens_at),
            closes=local_label(round_.closes_at),
        ),
        _(
            "%(settled)s of %(total)s settled, unresolved disputes: %(disputes)s",
            settled=figures.settled,
            total=figures.total,
            disputes=figures.disputes,
        ),
    ]


def _cells(row: reads.SettlementRow) -> list:
    return [row.number, row.author, row.place, row.text, row.proposed_wording, row.kind, row.outcome,
            row.reason]


def document(round_: CommentRound) -> exports.Document:
    """The settlement table of a round, in Czech: heading lines, then one table of all comments."""
    with force_locale(LOCALE):
        return exports.Document(
            title=_("Settlement of comments"),
            landscape=True,
            language=LOCALE,
            blocks=[
                *(exports.Paragraph(line) for line in _lines(round_)),
                exports.Table(header=header(), rows=[_cells(r) for r in reads.settlement_rows(round_)],
                              widths=WIDTHS),
            ],
        )


def table_of(round_id: int) -> exports.Document:
    """The builder of background renders (`portal.exports.background.BUILDERS`)."""
    return document(db.get_or_404(CommentRound, round_id))


def filename(round_: CommentRound, fmt: str) -> str:
    """ "Vypořádání-připomínek-Strategický-rámec-MAP-v1.docx" (`send` adds the RFC 5987 header)."""
    with force_locale(LOCALE):
        return exports.file_name(_("Settlement of comments"), round_.document_version.document.title,
                                 round_.document_version.label, extension=fmt)
