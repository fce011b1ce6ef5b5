"""The shared results reads: counts per option and scale value, "< 3", and the secondary suppression that
keeps a lone small count from being worked out by subtraction."""

from portal.consultations import reads
from tests.consultations_factories import add_response, make_consultation


def test_results_count_every_kind(app, db):
    c = make_consultation()
    for i in range(4):
        add_response(c, single=i % 3, multiple=(0, 2), scale=5 - i % 2)
    results = reads.question_results(c)
    assert [r.answered for r in results] == [4, 4, 4, 4]
    assert [row.count for row in results[0].rows] == [2, 1, 1]
    assert [row.shown for row in results[0].rows] == ["< 3", "< 3", "< 3"]
    assert [row.shown for row in results[1].rows][1] == "< 3"
    # Scale: rows under 3 that hold answers, so no mean shown (with the total it would give them away).
    assert results[2].mean_shown is None
    assert results[3].text_answers == 4


def test_the_scale_mean_is_given_when_no_row_is_hidden(app, db):
    c = make_consultation()
    for value in (1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5):
        add_response(c, scale=value)
    scale = reads.question_results(c)[2]
    assert [row.shown for row in scale.rows] == ["3", "3", "3", "3", "3"]
    assert scale.mean_shown == 3.0


def test_multiple_choice_rows_do_not_add_up_so_a_lone_small_row_stays_alone(app, db):
    c = make_consultation()
    for _ in range(4):
        add_response(c, multiple=(0, 1))
    add_response(c, multiple=(0, 2))
    rows = reads.question_results(c)[1].rows
    assert [row.shown for row in rows] == ["5", "4", "< 3"]


def test_an_open_anonymous_consultation_gives_the_report_its_participation_only(app, db):
    from portal import clock
    from portal.reports.collect import collect

    c = make_consultation(anonymous=True)
    for value in (1, 2, 3, 4):
        add_response(c, scale=value)
    today = clock.today()
    summary = reads.summaries(c.group_id, today, today)[0]
    assert summary.results_pending and summary.respondents == 4 and summary.questions == ()
    section = collect(c.group, today, today, language="en").section("consultations")
    assert not any(type(block).__name__ == "Table" and "answered by" in block.caption
                   for block in section.blocks)
    assert any("still open" in getattr(block, "text", "") for block in section.blocks)
