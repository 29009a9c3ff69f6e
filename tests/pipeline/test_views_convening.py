"""The CRAP pages: the agenda, the chair's screen, the ballot page and the RBRB oversight.
Permissions per URL, and every bad ballot refused with its rule and nothing stored."""

import datetime as dt

import pytest
from django.urls import reverse

from convoy import clock
from convoy.ceremonies.agenda import distribute_agenda
from convoy.ceremonies.convening import cast_ballot
from convoy.models import (
    Ballot,
    BallotParticipation,
    Convening,
    ConveningState,
    Oath,
    Presentation,
    Role,
    RoleAssignment,
    Tally,
)
from tests.pipeline.conftest import (
    archived_change,
    convene,
    new_change,
    receiving_convening,
    submit,
    to_archived,
)


@pytest.fixture
def voting(crew):
    change = archived_change(crew)
    return convene(crew, [change]), change


def ballot_url(convening, change=None):
    if change is None:
        return reverse("convoy:ballot", args=[convening.pk])
    return reverse("convoy:ballot_cast", args=[convening.pk, change.pk])


def cast(client, convening, change, choice="accept", reasons=()):
    prefix = f"c{change.pk}"
    return client.post(
        ballot_url(convening, change),
        {f"{prefix}-choice": choice, f"{prefix}-reasons": [str(r) for r in reasons]},
    )


def stored():
    return Ballot.objects.count(), BallotParticipation.objects.count(), Tally.objects.count()


def test_anonymous_visitors_are_sent_to_sign_in(client, voting):
    convening, change = voting
    gets = [
        reverse("convoy:agenda"),
        reverse("convoy:convening_detail", args=[convening.pk]),
        ballot_url(convening),
        reverse("convoy:oversight"),
    ]
    posts = [
        reverse("convoy:convening_schedule"),
        reverse("convoy:convening_distribute", args=[convening.pk]),
        reverse("convoy:convening_open", args=[convening.pk]),
        reverse("convoy:convening_oath", args=[convening.pk, change.author_id]),
        reverse("convoy:convening_timer_start", args=[convening.pk, change.pk]),
        reverse("convoy:convening_timer_stop", args=[convening.pk, change.pk]),
        reverse("convoy:convening_close", args=[convening.pk]),
        ballot_url(convening, change),
    ]
    for target in gets:
        assert client.get(target)["Location"].startswith(reverse("login")), target
    for target in posts:
        assert client.post(target)["Location"].startswith(reverse("login")), target
        client.force_login(convening.opened_by)
        assert client.get(target).status_code == 405, target
        client.logout()


def test_only_the_chair_opens_the_chairs_screen(client, crew, voting):  # R4
    convening, _ = voting
    client.force_login(crew.crap[3])
    response = client.get(reverse("convoy:convening_detail", args=[convening.pk]))
    assert response.status_code == 403
    assert "chairperson" in response.content.decode()
    client.force_login(crew.chair)
    assert client.get(reverse("convoy:convening_detail", args=[convening.pk])).status_code == 200


def test_only_the_chair_schedules_from_the_agenda_page(client, crew):  # R4
    client.force_login(crew.crap[2])
    page = client.get(reverse("convoy:agenda")).content.decode()
    assert "Schedule Convenings" not in page
    response = client.post(
        reverse("convoy:convening_schedule"),
        {"start": "2027-01-11", "weeks": "1", "cadence": "TWICE_WEEKLY"},
    )
    assert response.status_code == 403
    client.force_login(crew.chair)
    client.post(
        reverse("convoy:convening_schedule"),
        {"start": "2027-01-11", "weeks": "1", "cadence": "TWICE_WEEKLY"},
    )
    assert Convening.objects.count() == 2


def test_the_chair_runs_the_convening_from_the_screen(client, crew):  # R3, R27, R28
    change = archived_change(crew)
    convening = receiving_convening(crew)
    submit(crew, change, convening)
    distribute_agenda(actor=crew.chair, convening=convening)
    clock.travel_to(convening.scheduled_for)
    client.force_login(crew.chair)
    screen = reverse("convoy:convening_detail", args=[convening.pk])
    six = [str(m.pk) for m in crew.crap[:6]]
    response = client.post(
        reverse("convoy:convening_open", args=[convening.pk]), {"present": six}, follow=True
    )
    assert "R3: A Convening cannot open with fewer than 7 seated members" in (
        response.content.decode()
    )
    client.post(
        reverse("convoy:convening_open", args=[convening.pk]),
        {"present": [str(m.pk) for m in crew.crap]},
    )
    assert Convening.objects.get(pk=convening.pk).state == ConveningState.OPEN
    response = client.post(
        reverse("convoy:convening_timer_start", args=[convening.pk, change.pk]), follow=True
    )
    assert "R27: No oath, no presentation" in response.content.decode()
    client.post(reverse("convoy:convening_oath", args=[convening.pk, crew.engineer.pk]))
    assert Oath.objects.get().oath_text.version == "2027"
    client.post(reverse("convoy:convening_timer_start", args=[convening.pk, change.pk]))
    clock.travel_to(clock.now() + dt.timedelta(seconds=190))
    client.post(reverse("convoy:convening_timer_stop", args=[convening.pk, change.pk]))
    assert Presentation.objects.get().speaking_seconds == 180
    page = client.get(screen).content.decode()
    assert "180 s of 180 s spoken, then 10 s of questions" in page
    assert "Ballots cast: <strong>0 of 7</strong>" in page


def test_a_member_votes_on_their_own_page_and_the_chair_sees_the_outcome(
    client, crew, voting
):  # R29, R30
    convening, change = voting
    for member in crew.crap:
        client.force_login(member)
        page = client.get(ballot_url(convening)).content.decode()
        assert f"Your ballot on {change.record_id}" in page
        assert cast(client, convening, change).status_code == 302
        page = client.get(ballot_url(convening)).content.decode()
        assert "You have voted on" in page or "Decided: <strong>ACCEPTED" in page
    assert "Decided: <strong>ACCEPTED" in page
    client.force_login(crew.chair)
    page = client.get(reverse("convoy:convening_detail", args=[convening.pk])).content.decode()
    assert "ACCEPTED" in page and "Ballots cast: <strong>7 of 7</strong>" in page


def test_the_chair_sees_the_rejection_notice_without_attribution(client, crew, voting):  # R31
    convening, change = voting
    for member in crew.crap[:5]:
        cast_ballot(actor=member, convening=convening, change=change, accept=True)
    cast_ballot(actor=crew.crap[5], convening=convening, change=change, accept=False, reasons=[7])
    cast_ballot(
        actor=crew.crap[6], convening=convening, change=change, accept=False, reasons=[7, 21]
    )
    client.force_login(crew.chair)
    page = client.get(reverse("convoy:convening_detail", args=[convening.pk])).content.decode()
    assert "Rejection Notice" in page
    assert "The checklist items found incomplete are: 7, 21." in page
    assert "Crap 6" not in page.split("Rejection Notice")[1]


def test_the_ballot_page_shows_a_member_nothing_of_other_members_votes(client, crew, voting):
    convening, change = voting
    cast_ballot(actor=crew.crap[1], convening=convening, change=change, accept=False, reasons=[3])
    client.force_login(crew.crap[2])
    page = client.get(ballot_url(convening)).content.decode()
    assert "Crap 2" not in page and "of 7" not in page
    assert "You have voted" not in page


def test_a_vote_by_a_non_member_is_refused(client, crew, voting):  # R4
    convening, change = voting
    client.force_login(crew.world.other_engineer)
    response = cast(client, convening, change)
    assert response.status_code == 403
    assert "R4" in response.content.decode()
    assert stored() == (0, 0, 0)


def test_a_vote_by_the_changes_own_author_is_refused(client, crew):  # R1
    author = crew.crap[4]
    RoleAssignment.objects.create(user=author, role=Role.CODE_ENGINEER, convoy=crew.world.convoy)
    crew.feature.team.add(author)
    change = to_archived(crew, [new_change(crew, "Own work", author)])[0]
    convening = convene(crew, [change])
    client.force_login(author)
    response = cast(client, convening, change)
    assert response.status_code == 400
    assert "R1: A Code Engineer may not vote on a Change they authored" in (
        response.content.decode()
    )
    assert stored() == (0, 0, 0)


def test_a_vote_after_the_tally_is_refused(client, crew, voting):  # R30
    convening, change = voting
    for member in crew.crap:
        cast_ballot(actor=member, convening=convening, change=change, accept=True)
    client.force_login(crew.crap[3])
    response = cast(client, convening, change, "reject", [5])
    assert response.status_code == 400
    assert "R30: The ballots on" in response.content.decode()
    assert stored() == (7, 7, 1)


def test_a_second_vote_is_refused(client, crew, voting):  # R29
    convening, change = voting
    client.force_login(crew.crap[3])
    cast(client, convening, change)
    response = cast(client, convening, change, "reject", [5])
    assert response.status_code == 400
    assert "R29:" in response.content.decode() and "has already voted" in (
        response.content.decode()
    )
    assert stored() == (1, 1, 0)


def test_a_vote_naming_an_unknown_checklist_item_is_refused(client, crew, voting):  # R31
    convening, change = voting
    client.force_login(crew.crap[3])
    response = cast(client, convening, change, "reject", [5, 48])
    assert response.status_code == 400
    assert "R31: Item 48 is not on the Code Compliance Checklist of 47 items" in (
        response.content.decode()
    )
    assert stored() == (0, 0, 0)


def test_the_rbrb_reads_the_oversight_page(client, crew, voting):  # R33
    convening, change = voting
    for member in crew.crap[:6]:
        cast_ballot(actor=member, convening=convening, change=change, accept=True)
    cast_ballot(actor=crew.crap[6], convening=convening, change=change, accept=False, reasons=[2])
    client.force_login(crew.rbrb)
    page = client.get(reverse("convoy:oversight")).content.decode()
    assert "Bounds: 20 % to 60 %" in page
    assert "100.0 %" in page and "checklist complexity" in page
    assert change.record_id in page
    assert client.post(reverse("convoy:oversight")).status_code == 405


def test_the_oversight_page_is_the_rbrbs(client, crew):  # R4
    client.force_login(crew.engineer)
    response = client.get(reverse("convoy:oversight"))
    assert response.status_code == 403
    assert "Review Board Review Board" in response.content.decode()
