import threading

import pytest
from django.db import close_old_connections, connection, transaction

from cases.lifecycle import Stage
from cases.services import case_transition
from core.actors import SYSTEM
from events.models import Event
from events.services import event_emit
from tests.api.conftest import account_item, post_accounts
from tests.factories import CaseFactory


def feed(client, after=0, limit=100):
    response = client.get("/api/v1/events/", {"after": after, "limit": limit})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
def test_the_feed_pages_by_id_with_nothing_lost_and_nothing_repeated(core_system, reader):
    post_accounts(core_system, *[account_item(f"6288{i:012d}") for i in range(5)])
    case_transition(case=CaseFactory(), to=Stage.CONTACT, actor=SYSTEM, reason="first call")

    seen, after = [], 0
    while True:
        page = feed(reader, after=after, limit=2)
        if not page["results"]:
            assert page["next_after"] == after
            break
        seen += [event["id"] for event in page["results"]]
        after = page["next_after"]

    assert seen == sorted(seen) == list(Event.objects.order_by("id").values_list("id", flat=True))
    assert len(seen) == 6
    first = feed(reader, limit=1)["results"][0]
    assert set(first) == {"id", "type", "case_id", "account_number", "occurred_at", "payload"}
    assert first["type"] == "case.opened"


@pytest.mark.django_db(transaction=True)
def test_a_reader_cannot_pass_an_event_that_a_slower_transaction_commits_later(reader):
    """Two writers: the first takes an id and is slow to commit; the second must not become visible first."""
    first_case, second_case = CaseFactory(), CaseFactory()
    first_written, release_first = threading.Event(), threading.Event()
    second_done = threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                event_emit(type="case.opened", case=first_case)
                first_written.set()
                release_first.wait(10)
        finally:
            connection.close()

    def fast_writer():
        try:
            first_written.wait(10)
            with transaction.atomic():
                event_emit(type="case.opened", case=second_case)
            second_done.set()
        finally:
            connection.close()

    threads = [threading.Thread(target=slow_writer), threading.Thread(target=fast_writer)]
    for thread in threads:
        thread.start()
    first_written.wait(10)
    # The fast writer cannot commit while the slow one holds an earlier id; the reader sees neither yet.
    assert not second_done.wait(0.5)
    assert feed(reader)["results"] == []
    release_first.set()
    for thread in threads:
        thread.join(10)
    close_old_connections()

    ids = [event["case_id"] for event in feed(reader)["results"]]
    assert ids == [first_case.pk, second_case.pk]
