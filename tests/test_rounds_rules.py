"""Comment rounds: states by time, who comments when, comment rules, settlement rules, disputes, progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from portal.extensions import db
from portal.rounds import reads, services
from portal.rounds.services import CommentData, RoundData, RoundError
from portal.versioning import StaleEdit
from tests.rounds_factories import (
    close,
    comment,
    make_round,
    make_version,
    paragraphs_of,
    round_people,
)


@pytest.fixture
def setup(factories):
    cast = round_people(factories)
    return cast["territory"], cast["group"], cast["chair"], cast["member"], cast["version"]


def test_state_follows_the_clock(setup):
    *_, version = setup
    round_ = make_round(version, [], opens=timedelta(days=1), closes=timedelta(days=3))
    assert services.state(round_) == services.SCHEDULED
    assert services.state(round_, round_.opens_at) == services.OPEN
    assert services.state(round_, round_.closes_at - timedelta(seconds=1)) == services.OPEN
    assert services.state(round_, round_.closes_at) == services.CLOSED



def test_rounds_ask_the_portal_clock(setup, client, login_as):
    """No `at=` given: services and routes take the time from `portal.clock`, moved here by time-machine."""
    territory, group, chair, member, version = setup
    round_ = make_round(version, [group], opens=timedelta(days=1), closes=timedelta(days=3))
    with time_machine.travel(round_.opens_at + timedelta(hours=1), tick=False):
        assert services.state(round_) == services.OPEN
        added = comment(round_, paragraphs_of(version)[0], member)
        assert added.created_at == round_.opens_at + timedelta(hours=1)
        assert [o.round for o in reads.dashboard_rounds(member).open] == [round_]
        login_as(member)
        assert client.get(f"/rounds/{round_.id}/settlement.csv").status_code == 403  # not closed yet
    with time_machine.travel(round_.closes_at, tick=False):
        assert services.state(round_) == services.CLOSED
        login_as(member)
        assert client.get(f"/rounds/{round_.id}/settlement.csv").status_code == 200

def test_create_round_takes_prague_time_and_marks_the_version(setup):
    territory, group, chair, member, version = setup
    opens = (datetime.now(UTC) + timedelta(days=2)).replace(tzinfo=None, microsecond=0, second=0)
    round_ = services.create_round(
        version,
        RoundData(
            title="Připomínky",
            opens_local=datetime(2031, 1, 10, 9, 0),
            closes_local=datetime(2031, 1, 31, 23, 59),
            group_ids=(group.id,),
        ),
        actor=chair,
    )
    db.session.commit()
    assert round_.opens_at == datetime(2031, 1, 10, 8, 0, tzinfo=UTC)  # CET is UTC+1 in January
    assert version.state == "in_round"
    with pytest.raises(RoundError):
        services.create_round(
            version,
            RoundData(title="X", opens_local=opens, closes_local=opens, group_ids=(group.id,)),
            actor=chair,
        )
    with pytest.raises(RoundError):  # a plain member does not manage the group's rounds
        services.create_round(
            version,
            RoundData(
                title="X", opens_local=opens, closes_local=opens + timedelta(days=3), group_ids=(group.id,)
            ),
            actor=member,
        )


def test_comments_only_in_the_open_window_and_by_participants(setup, factories):
    territory, group, chair, member, version = setup
    paragraph = paragraphs_of(version)[0]
    outsider = factories.user("member", territory=territory)
    parent = factories.user("parent", territory=territory)
    scheduled = make_round(version, [group], opens=timedelta(hours=1), closes=timedelta(days=3))
    with pytest.raises(RoundError, match="nezačalo|not opened yet"):
        services.add_comment(scheduled, paragraph, CommentData(kind="fundamental", text="Text"), actor=member)
    open_round = make_round(version, [group])
    with pytest.raises(RoundError):
        services.add_comment(
            open_round, paragraph, CommentData(kind="fundamental", text="Text"), actor=outsider
        )
    with pytest.raises(RoundError):  # a parent takes part only in a public round
        services.add_comment(
            open_round, paragraph, CommentData(kind="fundamental", text="Text"), actor=parent
        )
    public = make_round(version, [group], public=True)
    assert comment(public, paragraph, parent).author_id == parent.id
    made = comment(open_round, paragraph, member, organisation="ZŠ Vzorov")
    assert made.organisation == "ZŠ Vzorov"
    close(open_round)
    with pytest.raises(RoundError):
        services.add_comment(
            open_round, paragraph, CommentData(kind="fundamental", text="Text"), actor=member
        )


def test_comment_rules_type_text_quote_and_length(setup):
    territory, group, chair, member, version = setup
    paragraph = paragraphs_of(version)[1]
    round_ = make_round(version, [group])
    with pytest.raises(RoundError) as refused:
        services.add_comment(round_, paragraph, CommentData(kind="other", text="Text"), actor=member)
    assert refused.value.field == "kind"
    with pytest.raises(RoundError) as refused:
        services.add_comment(
            round_, paragraph, CommentData(kind="fundamental", text="x" * 5001), actor=member
        )
    assert refused.value.field == "text"
    db.session.rollback()
    with pytest.raises(RoundError) as refused:
        services.add_comment(
            round_, paragraph, CommentData(kind="fundamental", text="T", quote="neexistuje"), actor=member
        )
    assert refused.value.field == "quote"
    db.session.rollback()
    made = comment(
        round_,
        paragraph,
        member,
        kind="recommendation",
        quote="rovném  přístupu",
        proposed_wording="rovném přístupu všech dětí",
    )
    assert made.passage.quote == "rovném přístupu"
    assert paragraph.text[made.passage.start : made.passage.end] == "rovném přístupu"
    other_version = make_version(group)
    with pytest.raises(RoundError):
        services.add_comment(
            round_, paragraphs_of(other_version)[0], CommentData(kind="fundamental", text="T"), actor=member
        )


def test_authors_edit_and_withdraw_their_own_while_open_and_replies_thread(setup):
    territory, group, chair, member, version = setup
    round_ = make_round(version, [group])
    made = comment(round_, paragraphs_of(version)[0], member)
    with pytest.raises(RoundError):
        services.update_comment(
            made, CommentData(kind="fundamental", text="Cizí"), actor=chair, seen_version=made.version
        )
    services.update_comment(
        made, CommentData(kind="recommendation", text="Upraveno"), actor=member, seen_version=made.version
    )
    db.session.commit()
    assert (made.kind, made.text) == ("recommendation", "Upraveno")
    with pytest.raises(StaleEdit):
        services.update_comment(
            made, CommentData(kind="recommendation", text="Znovu"), actor=member, seen_version=1
        )
    answer = services.reply(made, "Souhlasím.", actor=chair)
    nested = services.reply(answer, "Děkuji.", actor=member)
    db.session.commit()
    assert answer.parent_id == made.id and nested.parent_id == made.id  # one thread under the comment
    services.withdraw_comment(made, actor=member)
    db.session.commit()
    with pytest.raises(RoundError):
        services.reply(made, "Pozdě", actor=chair)
    close(round_)
    with pytest.raises(RoundError):
        services.update_comment(
            answer, CommentData(kind=None, text="Po uzávěrce"), actor=chair, seen_version=answer.version
        )


def test_settlement_rules_reason_disputes_and_progress(setup, factories):
    territory, group, chair, member, version = setup
    round_ = make_round(version, [group])
    paragraphs = paragraphs_of(version)
    fundamental = comment(round_, paragraphs[0], member)
    recommendation = comment(round_, paragraphs[1], member, kind="recommendation")
    withdrawn = comment(round_, paragraphs[2], member)
    services.withdraw_comment(withdrawn, actor=member)
    db.session.commit()
    with pytest.raises(RoundError):  # not before the close
        services.settle(fundamental, "accepted", None, actor=chair, seen_version=0)
    close(round_)
    with pytest.raises(RoundError):  # a member of the group does not settle
        services.settle(fundamental, "accepted", None, actor=member, seen_version=0)
    with pytest.raises(RoundError) as refused:
        services.settle(fundamental, "not_accepted", "  ", actor=chair, seen_version=0)
    assert refused.value.field == "reason"
    with pytest.raises(RoundError):
        services.settle(withdrawn, "accepted", None, actor=chair, seen_version=0)
    services.settle(recommendation, "accepted", None, actor=chair, seen_version=0)
    db.session.commit()
    assert reads.progress(round_) == reads.Progress(total=2, settled=1, disputes=0)
    services.settle(fundamental, "not_accepted", "Nad rámec MAP.", actor=chair, seen_version=0)
    db.session.commit()
    assert services.is_dispute(fundamental)
    assert reads.progress(round_) == reads.Progress(total=2, settled=2, disputes=1)
    assert fundamental.settlement.settled_by_id == chair.id
    services.resolve_dispute(
        fundamental,
        "steering_committee",
        "Projedná ŘV 15. 3.",
        actor=chair,
        seen_version=fundamental.settlement.version,
    )
    db.session.commit()
    assert not services.is_dispute(fundamental)
    assert reads.progress(round_).disputes == 0
    with pytest.raises(RoundError):  # a recommendation is never a dispute
        services.resolve_dispute(
            recommendation, "agreed", None, actor=chair, seen_version=recommendation.settlement.version
        )


def test_two_coordinators_settling_at_once_one_wins(setup):
    territory, group, chair, member, version = setup
    round_ = make_round(version, [group])
    made = comment(round_, paragraphs_of(version)[0], member)
    close(round_)
    services.settle(made, "explained", "Vysvětleno na jednání.", actor=chair, seen_version=0)
    db.session.commit()
    with pytest.raises(StaleEdit):  # the second saw the comment unsettled (version 0)
        services.settle(made, "accepted", None, actor=chair, seen_version=0)
    db.session.rollback()
    assert made.settlement.outcome == "explained"


def test_territory_outcome_list(setup, factories):
    territory, group, chair, member, version = setup
    coordinator = factories.user("coordinator", territory=territory)
    defaults = [c.code for c in services.outcomes_for(territory.id)]
    assert defaults == ["accepted", "partly_accepted", "not_accepted", "explained", "noted"]
    with pytest.raises(RoundError):
        services.add_outcome(territory.id, "Odloženo", False, actor=member)
    own = services.add_outcome(territory.id, "Zapracováno jinak", True, actor=coordinator)
    services.set_outcome_active(territory.id, "noted", False, actor=coordinator)
    db.session.commit()
    codes = [c.code for c in services.outcomes_for(territory.id)]
    assert "noted" not in codes and own.code in codes
    round_ = make_round(version, [group])
    made = comment(round_, paragraphs_of(version)[0], member)
    close(round_)
    with pytest.raises(RoundError):  # a hidden outcome is no longer offered
        services.settle(made, "noted", "Bere se.", actor=chair, seen_version=0)
    services.settle(made, own.code, None, actor=chair, seen_version=0)  # counts as accepted: no reason
    db.session.commit()
    assert not services.is_dispute(made)
    assert reads.settlement_rows(round_)[0].outcome == "Zapracováno jinak"
