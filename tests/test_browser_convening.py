"""The chair opens a Convening, the seven members vote in seven browsers, the chair sees the
outcome (R3, R27–R31). Playwright + Debian's Chromium."""

import pytest
from playwright.sync_api import Browser, Page, expect

from convoy import clock
from convoy.ceremonies.agenda import distribute_agenda
from convoy.models import AgendaSubmission, BallotParticipation, Tally
from tests.pipeline.conftest import archived_change, make_crew, receiving_convening, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def hearing(world, live_server):
    """An archived Change on a Convening whose agenda went out; the clock at its hour."""
    crew = make_crew(world)
    change = archived_change(crew)
    convening = receiving_convening(crew)
    submit(crew, change, convening)
    distribute_agenda(actor=crew.chair, convening=convening)
    clock.travel_to(convening.scheduled_for)
    for member in crew.crap:
        member.set_password(PASSWORD)
        member.save()
    return crew, convening, change


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/signin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_seven_members_vote_in_seven_browsers_and_the_chair_sees_the_rejection_notice(
    browser: Browser, live_server, hearing
):
    crew, convening, change = hearing
    base = live_server.url
    contexts = [browser.new_context() for _ in crew.crap]
    try:
        pages = [context.new_page() for context in contexts]
        for page, member in zip(pages, crew.crap, strict=True):
            sign_in(page, base, member.username)

        chair = pages[0]
        screen = f"{base}/convenings/{convening.pk}/"
        chair.goto(screen)
        chair.get_by_role("button", name="Open the Convening").click()
        expect(chair.get_by_text("In session", exact=True)).to_be_visible()
        chair.get_by_role("button", name="Administer the oath to Ce Lindqvist").click()
        expect(chair.get_by_text("Sworn (Supplicant's Oath v2027")).to_be_visible()
        chair.get_by_role("button", name="Start the 3-minute timer").click()
        chair.get_by_role("button", name="Stop the timer").click()
        expect(chair.get_by_text("Ballots cast: 0 of 7")).to_be_visible()

        for seat, page in enumerate(pages, start=1):
            page.goto(f"{base}/convenings/{convening.pk}/ballot/")
            ballot = page.get_by_role("group", name=f"Your ballot on {change.record_id}")
            if seat == 4:
                ballot.get_by_label("Reject").check()
                page.get_by_text("Checklist items found incomplete").click()
                page.get_by_label("12. ", exact=False).check()
            else:
                ballot.get_by_label("Accept").check()
            page.get_by_role("button", name="Cast the ballot").click()
            expect(page.get_by_role("status").first).to_contain_text(
                f"Your ballot on {change.record_id} has been cast"
            )

        chair.goto(screen)
        expect(chair.get_by_text("Ballots cast: 7 of 7")).to_be_visible()
        notice = chair.get_by_role("status").filter(has_text="Rejection Notice")
        expect(notice).to_contain_text("REJECTED")
        expect(notice).to_contain_text("The checklist items found incomplete are: 12.")
    finally:
        for context in contexts:
            context.close()
    assert BallotParticipation.objects.filter(change=change).count() == 7
    assert Tally.objects.get(change=change).outcome == "REJECTED"
    assert AgendaSubmission.objects.get(change=change).outcome == "REJECTED"
