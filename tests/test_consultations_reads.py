from portal.consultations import reads
from tests.consultations_factories import add_response, make_consultation


def test_results_count_every_kind(app, db):
    c = make_consultation()
    for i in range(4):
        add_response(c, single=i % 3, multiple=(0, 2), scale=5 - i % 2)
    results = reads.question_results(c)
    assert [r.answered for r in results] == [4, 4, 4, 4]
    assert [row.count for row in results[0].rows] == [2, 1, 1]
    assert [row.shown for row in results[1].rows][1] == "< 3"
    assert results[2].mean == 4.5
    assert results[3].text_answers == 4
