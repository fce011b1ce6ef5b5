"""E-mails of comment rounds through the outbox and the real SMTP fixture: the opening and the reminder two
days before the close (`flask rounds notify`, idempotent), and each author's outcomes in one message."""

from __future__ import annotations

from datetime import timedelta

from portal.extensions import db
from portal.mailer import deliver_due
from portal.rounds import notify, services
from tests.rounds_factories import (
    add_member,
    close,
    comment,
    make_group,
    make_round,
    make_version,
    paragraphs_of,
)


def _people(factories):
    territory = factories.territory()
    group = make_group(territory)
    chair = factories.user("member", territory=territory, email="predsedkyne@test.example")
    add_member(group, chair, role="chair")
    members = [factories.user("member", territory=territory, email=f"clen{i}@test.example") for i in range(2)]
    for member in members:
        add_member(group, member)
    left = factories.user("member", territory=territory, email="byvaly@test.example")
    add_member(group, left, left_on=__import__("datetime").date(2021, 1, 1))
    return territory, group, chair, members


def test_notify_is_idempotent(app, smtp, factories):
    territory, group, chair, members = _people(factories)
    version = make_version(group)
    make_round(version, [group], opens=timedelta(hours=-1), closes=timedelta(days=10))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["rounds", "notify"])
    assert first.exit_code == 0, first.output
    assert "queued: 3" in first.output
    recipients = sorted(m["To"] for m in smtp.messages)
    assert recipients == ["clen0@test.example", "clen1@test.example", "predsedkyne@test.example"]
    assert "/rounds/" in smtp.messages[0].get_body(("plain",)).get_content()
    second = runner.invoke(args=["rounds", "notify"])
    assert "queued: 0" in second.output
    assert len(smtp.messages) == 3  # nothing twice (the former member got nothing at all)


def test_reminder_two_days_before_the_close(app, smtp, factories):
    territory, group, chair, members = _people(factories)
    version = make_version(group)
    round_ = make_round(version, [group], opens=timedelta(days=-5), closes=timedelta(days=3))
    assert notify.send_due() == 3  # the opening (missed by no cron: sent at the first run)
    db.session.commit()
    assert notify.send_due() == 0
    round_.closes_at = round_.closes_at - timedelta(days=2)  # now within two days of the close
    db.session.commit()
    assert notify.send_due() == 3
    db.session.commit()
    assert notify.send_due() == 0
    db.session.commit()
    deliver_due()
    subjects = [m["Subject"] for m in smtp.messages]
    assert len(subjects) == 6 and len(set(subjects)) == 2


def test_a_closed_or_scheduled_round_sends_nothing(factories):
    territory, group, chair, members = _people(factories)
    version = make_version(group)
    make_round(version, [group], opens=timedelta(days=1), closes=timedelta(days=5))
    closed = make_round(version, [group])
    close(closed)
    assert notify.send_due() == 0


def test_authors_get_one_message_with_all_their_outcomes(app, smtp, factories):
    territory, group, chair, members = _people(factories)
    version = make_version(group)
    round_ = make_round(version, [group])
    paragraphs = paragraphs_of(version)
    made = [
        comment(round_, paragraphs[0], members[0], text="První"),
        comment(round_, paragraphs[1], members[0], kind="recommendation", text="Druhá"),
        comment(round_, paragraphs[2], members[1], text="Třetí"),
    ]
    close(round_)
    services.settle(made[0], "accepted", None, actor=chair, seen_version=0)
    services.settle(made[1], "noted", "Vezmeme v úvahu.", actor=chair, seen_version=0)
    db.session.commit()
    try:
        notify.send_outcomes(round_, actor=chair)
        raise AssertionError("an unsettled comment must stop the outcome e-mails")
    except services.RoundError:
        db.session.rollback()
    services.settle(made[2], "explained", "Vysvětleno.", actor=chair, seen_version=0)
    db.session.commit()
    assert notify.send_outcomes(round_, actor=chair) == 2
    db.session.commit()
    deliver_due()
    mine = smtp.box.to("clen0@test.example")
    assert len(mine) == 1
    body = mine[0].get_body(("plain",)).get_content()
    assert "První" in body and "Druhá" in body and "Vezmeme v úvahu." in body
    assert len(smtp.box.to("clen1@test.example")) == 1
    try:
        notify.send_outcomes(round_, actor=chair)
        raise AssertionError("the outcomes are sent once")
    except services.RoundError:
        db.session.rollback()
