"""Priority Change Request pages: filing, the list, the request, approvals, the Mast (R17, R4)."""

import re

import pytest
from django.urls import reverse

from convoy import clock
from convoy.ceremonies.pcr import approve_pcr, file_pcr
from convoy.models import Feature, PcrApproval, PcrState, PriorityChangeRequest, Role
from tests.factories import person


def words(n: int, word: str = "synergy") -> str:
    return " ".join([word] * n)


@pytest.fixture
def ranked(world):
    world.feature(1, name="Ledger Sync")
    world.feature(2, name="Audit Beacon", captain=world.other_captain)
    Feature.objects.filter(convoy=world.convoy, number=1).update(priority=2)
    Feature.objects.filter(convoy=world.convoy, number=2).update(priority=1)
    world.cset = person("cset.ito", Role.CSET)
    world.earb = person("earb.nakamura", Role.EARB)
    return world


def feature(world, number=1):
    return Feature.objects.get(convoy=world.convoy, number=number)


def filed(world, number=1, proposed=1, n=2000):
    return file_pcr(
        actor=world.captain if number == 1 else world.other_captain,
        feature=feature(world, number),
        proposed_priority=proposed,
        justification=words(n),
        counter_justification=words(n, "however"),
    )


def new_url(number=1):
    return reverse("convoy:pcr_new", args=[1, number])


def detail_url(pcr):
    return reverse("convoy:pcr_detail", args=[1, pcr.pk])


def approve_url(pcr):
    return reverse("convoy:pcr_approve", args=[1, pcr.pk])


def rule_url(pcr):
    return reverse("convoy:pcr_rule", args=[1, pcr.pk])


LIST_URL = reverse("convoy:pcr_list", args=[1])


def form_data(justification=2000, counter=2000, proposed=1, **extra):
    return {
        "proposed_priority": proposed,
        "justification": words(justification),
        "counter_justification": words(counter, "however"),
        **extra,
    }


def complete_chain(world, pcr):
    approve_pcr(actor=world.cset, pcr=pcr, role=Role.CSET)
    approve_pcr(actor=world.earb, pcr=pcr, role=Role.EARB)
    approve_pcr(actor=world.captain, pcr=pcr, role=Role.FEATURE_CAPTAIN)
    approve_pcr(actor=world.other_captain, pcr=pcr, role=Role.FEATURE_CAPTAIN)
    approve_pcr(actor=world.commodore, pcr=pcr, role=Role.COMMODORE)


# Access ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, ranked):
    pcr = filed(ranked)
    responses = [client.get(u) for u in (new_url(), LIST_URL, detail_url(pcr))]
    responses += [
        client.post(new_url(), form_data()),
        client.post(approve_url(pcr), {"role": "CSET"}),
        client.post(rule_url(pcr), {"verdict": "grant", "note": "Granted."}),
    ]
    for response in responses:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["auditor", "engineer", "other_captain", "commodore"])
def test_only_the_features_captain_opens_the_form(client, ranked, who):  # R4, R17
    client.force_login(getattr(ranked, who))
    response = client.get(new_url())
    assert response.status_code == 403
    assert "Priority Change Request" in response.content.decode()


@pytest.mark.parametrize("who", ["auditor", "engineer", "other_captain"])
def test_only_the_features_captain_files(client, ranked, who):  # R4, R17
    client.force_login(getattr(ranked, who))
    assert client.post(new_url(), form_data()).status_code == 403
    assert not PriorityChangeRequest.objects.exists()


@pytest.mark.parametrize("who", ["auditor", "engineer"])
def test_every_member_reads_the_list_and_the_request(client, ranked, who):
    pcr = filed(ranked)
    client.force_login(getattr(ranked, who))
    assert client.get(LIST_URL).status_code == 200
    page = client.get(detail_url(pcr)).content.decode()
    assert f"PCR-{pcr.pk}" in page
    assert "Approve as" not in page and "Render the verdict" not in page


@pytest.mark.parametrize("who", ["auditor", "engineer"])
def test_readers_may_not_approve(client, ranked, who):  # R4
    pcr = filed(ranked)
    client.force_login(getattr(ranked, who))
    response = client.post(approve_url(pcr), {"role": "CSET"})
    assert response.status_code == 403
    assert "requires the role of Code Standards Enforcement Team" in response.content.decode()
    assert not PcrApproval.objects.exists()


@pytest.mark.parametrize("who", ["auditor", "engineer", "captain"])
def test_only_the_commodore_rules(client, ranked, who):  # R4
    pcr = filed(ranked)
    complete_chain(ranked, pcr)
    client.force_login(getattr(ranked, who))
    response = client.post(rule_url(pcr), {"verdict": "grant", "note": "Granted."})
    assert response.status_code == 403
    assert "requires the role of Commodore" in response.content.decode()
    pcr.refresh_from_db()
    assert pcr.state == PcrState.FILED


def test_approve_and_rule_accept_only_post(client, ranked):
    pcr = filed(ranked)
    client.force_login(ranked.commodore)
    assert client.get(approve_url(pcr)).status_code == 405
    assert client.get(rule_url(pcr)).status_code == 405


def test_list_and_detail_accept_only_get(client, ranked):
    pcr = filed(ranked)
    client.force_login(ranked.captain)
    assert client.post(LIST_URL).status_code == 405
    assert client.post(detail_url(pcr)).status_code == 405


def test_a_pcr_is_found_only_under_its_own_convoy(client, ranked):
    pcr = filed(ranked)
    client.force_login(ranked.captain)
    assert client.get(reverse("convoy:pcr_detail", args=[2, pcr.pk])).status_code == 404


# Filing ---------------------------------------------------------------------------------


def test_the_form_is_prefilled_from_the_records_and_read_only(client, ranked):  # R17
    client.force_login(ranked.captain)
    page = client.get(new_url()).content.decode()
    for name, value in [
        ("feature_name", "Ledger Sync"),
        ("feature_captain_name", "Fc Okafor"),
        ("current_priority", "2"),
        ("feature_team_size", "2"),
    ]:
        field = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        assert f'value="{value}"' in field and "readonly" in field
    assert "1 · F002 Audit Beacon" in page
    assert "0 / 2,000 words" in page


def test_the_form_loads_its_counter_script_from_a_file_and_nothing_inline(client, ranked):
    client.force_login(ranked.captain)
    page = client.get(new_url()).content.decode()
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts == ['<script src="/static/convoy/wordcount.js" defer>']
    assert not re.search(r"<[^>]*\son[a-z]+=", page)  # no inline event handlers either


def test_filing_copies_the_records_not_what_was_posted(client, ranked):  # R17
    client.force_login(ranked.captain)
    client.post(
        new_url(), form_data(feature_name="Forged", current_priority=9, feature_team_size=99)
    )
    pcr = PriorityChangeRequest.objects.get()
    assert (pcr.feature_name, pcr.current_priority, pcr.feature_team_size) == ("Ledger Sync", 2, 2)


def test_a_filed_pcr_leads_to_its_page(client, ranked):  # R17
    client.force_login(ranked.captain)
    response = client.post(new_url(), form_data(2000, 2001), follow=True)
    pcr = PriorityChangeRequest.objects.get()
    assert response.redirect_chain[-1][0] == detail_url(pcr)
    page = response.content.decode()
    assert f"PCR-{pcr.pk} has been filed." in page
    assert "2,000 words" in page and "2,001 words" in page


def test_a_justification_of_1999_words_is_refused_with_the_counts(client, ranked):  # R17
    client.force_login(ranked.captain)
    response = client.post(new_url(), form_data(1999, 3000))
    assert response.status_code == 400
    page = response.content.decode()
    assert "R17: The justification has 1,999 words; R17 requires at least 2,000." in page
    assert "1,999 / 2,000 words" in page  # the counter, as the server renders it
    assert not PriorityChangeRequest.objects.exists()


def test_a_shorter_counter_justification_is_refused(client, ranked):  # R17
    client.force_login(ranked.captain)
    response = client.post(new_url(), form_data(2001, 2000))
    page = response.content.decode()
    assert "R17: The counter-justification has 2,000 words and the justification 2,001" in page
    assert "Shorter than the justification by 1 word." in page
    assert not PriorityChangeRequest.objects.exists()


def test_both_texts_are_required_together(client, ranked):  # R17
    client.force_login(ranked.captain)
    response = client.post(new_url(), {"proposed_priority": 1, "justification": words(2000)})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not PriorityChangeRequest.objects.exists()


def test_an_unranked_feature_has_no_form(client, ranked):  # R17
    Feature.objects.filter(pk=feature(ranked).pk).update(priority=None)
    client.force_login(ranked.captain)
    page = client.get(new_url()).content.decode()
    assert "F001 has no priority: it has not been ranked." in page
    assert "File the Priority Change Request" not in page


def test_a_double_submission_files_once(client, ranked):  # R17
    client.force_login(ranked.captain)
    first = client.post(new_url(), form_data())
    second = client.post(new_url(), form_data())
    assert first.status_code == 302
    assert PriorityChangeRequest.objects.count() == 1
    pcr = PriorityChangeRequest.objects.get()
    assert f"already filed as PCR-{pcr.pk}" in second.content.decode()


def test_html_in_the_texts_is_shown_escaped(client, ranked):
    client.force_login(ranked.captain)
    text = "<script>alert(1)</script> " + words(2000)
    client.post(new_url(), form_data() | {"justification": text, "counter_justification": text})
    page = client.get(detail_url(PriorityChangeRequest.objects.get())).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_texts_of_100k_characters_are_stored_and_shown_escaped(client, ranked):
    client.force_login(ranked.captain)
    text = "<b>long</b> " * 8400  # 100,800 characters, 8,400 words
    response = client.post(
        new_url(), form_data() | {"justification": text, "counter_justification": text}
    )
    assert response.status_code == 302
    pcr = PriorityChangeRequest.objects.get()
    assert len(pcr.justification) == len(text.strip())
    assert pcr.justification_words == 8400
    page = client.get(detail_url(pcr)).content.decode()
    assert "<b>long</b>" not in page and page.count("&lt;b&gt;long&lt;/b&gt;") == 2 * 8400


def test_texts_over_200k_characters_are_refused_clearly(client, ranked):
    client.force_login(ranked.captain)
    text = "x" * 200_001
    response = client.post(
        new_url(), form_data() | {"justification": text, "counter_justification": text}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The justification may be at most 200,000 characters long; this one has 200,001." in page
    assert not PriorityChangeRequest.objects.exists()


def test_the_character_limit_is_reached_before_the_request_size_limit(client, ranked):
    # The form posts multipart: 2 × 200,001 four-byte characters stay under the 2 MB limit.
    client.force_login(ranked.captain)
    assert 'enctype="multipart/form-data"' in client.get(new_url()).content.decode()
    text = "🚢" * 200_001
    response = client.post(
        new_url(), form_data() | {"justification": text, "counter_justification": text}
    )
    assert response.status_code == 400
    assert "at most 200,000 characters long; this one has 200,001." in response.content.decode()


# The list ------------------------------------------------------------------------------


def test_the_list_says_when_none_are_filed(client, ranked):
    client.force_login(ranked.auditor)
    assert "No Priority Change Requests have been filed in CONVOY-1." in (
        client.get(LIST_URL).content.decode()
    )


def test_the_list_shows_state_and_approval_progress(client, ranked):
    pcr = filed(ranked)
    approve_pcr(actor=ranked.cset, pcr=pcr, role=Role.CSET)
    client.force_login(ranked.auditor)
    page = client.get(LIST_URL).content.decode()
    assert f"PCR-{pcr.pk}" in page and "F001 Ledger Sync" in page
    assert "1 of 5" in page  # CSET, EARB, two Feature Captains, the Commodore
    assert "Filed</td>" in page


def test_the_third_request_flags_the_filer_on_the_list_and_the_page(client, ranked):  # R17
    filed(ranked, proposed=1)
    second = filed(ranked, proposed=1, n=2001)
    client.force_login(ranked.auditor)
    assert "Flagged for coaching" not in client.get(LIST_URL).content.decode()
    assert "Flagged for coaching" not in client.get(detail_url(second)).content.decode()
    third = filed(ranked, proposed=1, n=2002)
    assert client.get(LIST_URL).content.decode().count("Flagged for coaching</span>") == 3
    page = client.get(detail_url(third)).content.decode()
    assert "Fc Okafor has filed 3 Priority Change Requests in CONVOY-1." in page


def test_the_list_is_paginated(client, ranked):
    PriorityChangeRequest.objects.bulk_create(
        PriorityChangeRequest(
            convoy=ranked.convoy,
            feature=feature(ranked),
            feature_name="Ledger Sync",
            feature_captain_name="Fc Okafor",
            current_priority=2,
            proposed_priority=1,
            feature_team_size=2,
            justification="…",
            counter_justification="…",
            justification_words=2000,
            counter_justification_words=2000,
            filed_by=ranked.captain,
            filed_at=clock.now(),
        )
        for _ in range(26)
    )
    client.force_login(ranked.auditor)
    first = client.get(LIST_URL).content.decode()
    assert "Page 1 of 2" in first and first.count("<tr>") == 26
    second = client.get(LIST_URL + "?page=2").content.decode()
    assert second.count("<tr>") == 2


# Approvals and the Mast -----------------------------------------------------------------


def test_the_page_shows_the_chain_with_who_and_when(client, ranked):  # R17
    pcr = filed(ranked)
    approve_pcr(actor=ranked.cset, pcr=pcr, role=Role.CSET)
    client.force_login(ranked.auditor)
    page = client.get(detail_url(pcr)).content.decode()
    assert "Cset Ito" in page and "2027-01-04 09:00" in page
    for label in ["Enterprise Architecture Review Board", "Feature Captain Fc Brandt", "Commodore"]:
        assert label in page
    assert page.count("Awaiting approval") == 4


def test_an_approver_approves_from_the_page(client, ranked):  # R17
    pcr = filed(ranked)
    client.force_login(ranked.cset)
    page = client.get(detail_url(pcr)).content.decode()
    assert "Approve as Code Standards Enforcement Team" in page
    response = client.post(approve_url(pcr), {"role": "CSET"}, follow=True)
    assert "approved as a member of the Code Standards Enforcement Team" in (
        response.content.decode()
    )
    assert pcr.approvals.get().approver == ranked.cset


def test_the_commodore_approving_early_is_told_who_is_awaited(client, ranked):  # R17
    pcr = filed(ranked)
    client.force_login(ranked.commodore)
    assert "Approve as Commodore" not in client.get(detail_url(pcr)).content.decode()
    response = client.post(approve_url(pcr), {"role": "COMMODORE"}, follow=True)
    assert "R17: The Commodore approves last." in response.content.decode()
    assert not PcrApproval.objects.exists()


def test_the_commodore_rules_at_captains_mast(client, ranked):  # R17
    pcr = filed(ranked)
    complete_chain(ranked, pcr)
    client.force_login(ranked.commodore)
    assert "Render the verdict" in client.get(detail_url(pcr)).content.decode()
    response = client.post(rule_url(pcr), {"verdict": "grant", "note": "Compelling."}, follow=True)
    page = response.content.decode()
    assert "Granted at Captain&#x27;s Mast" in page and "The verdict is final." in page
    assert feature(ranked, 1).priority == 1 and feature(ranked, 2).priority == 2


def test_a_second_ruling_is_refused(client, ranked):  # R17
    pcr = filed(ranked)
    complete_chain(ranked, pcr)
    client.force_login(ranked.commodore)
    client.post(rule_url(pcr), {"verdict": "deny", "note": "Denied."})
    response = client.post(
        rule_url(pcr), {"verdict": "grant", "note": "Reconsidered."}, follow=True
    )
    assert "It is final." in response.content.decode()
    pcr.refresh_from_db()
    assert pcr.state == PcrState.DENIED and pcr.ruling_note == "Denied."


def test_a_ruling_without_grounds_is_refused(client, ranked):  # R17
    pcr = filed(ranked)
    complete_chain(ranked, pcr)
    client.force_login(ranked.commodore)
    response = client.post(rule_url(pcr), {"verdict": "grant", "note": ""})
    assert response.status_code == 400
    pcr.refresh_from_db()
    assert pcr.state == PcrState.FILED


# The feature page -----------------------------------------------------------------------


def test_the_feature_page_offers_its_captain_a_pcr(client, ranked):  # R17
    client.force_login(ranked.captain)
    page = client.get(feature(ranked).get_absolute_url()).content.decode()
    assert f'href="{new_url()}"' in page
    client.force_login(ranked.other_captain)
    assert (
        f'href="{new_url()}"' not in client.get(feature(ranked).get_absolute_url()).content.decode()
    )


def test_the_feature_page_lists_its_pcrs_with_their_state(client, ranked):  # R17
    pcr = filed(ranked)
    client.force_login(ranked.auditor)
    page = client.get(feature(ranked).get_absolute_url()).content.decode()
    assert f'href="{detail_url(pcr)}"' in page and "Filed" in page and "0 of 5" in page
