"""Comment rounds on plan documents: rounds, comments, settlement, the settlement table, outcomes."""

from flask import Blueprint

# No url_prefix: a version's rounds live under /versions/<id>/rounds, a round under /rounds/<id>.
bp = Blueprint("rounds", __name__)


def init_app(app) -> None:
    from portal.documents import reads as documents_reads
    from portal.rounds import reads, services

    app.jinja_env.globals["group_rounds"] = reads.group_rounds
    app.jinja_env.globals["dashboard_rounds"] = reads.dashboard_rounds
    app.jinja_env.globals["round_state_labels"] = services.STATE_LABELS
    app.jinja_env.globals["version_rounds"] = reads.rounds_by_version
    app.jinja_env.globals["rounds_for_agenda"] = reads.rounds_for_agenda
    # Parents read a version that is in a public round they take part in (documents are members-only).
    if services.reads_version_in_public_round not in documents_reads.PUBLIC_VERSION_CHECKS:
        documents_reads.PUBLIC_VERSION_CHECKS.append(services.reads_version_in_public_round)


from portal.blueprints.rounds import routes  # noqa: E402,F401
