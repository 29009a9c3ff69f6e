"""Priority Change Requests: filing, the approval chain, Captain's Mast, coaching (R17, R4)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from convoy.ceremonies.errors import ProcessViolation
from convoy.ceremonies.lifecycle import create_convoy
from convoy.ceremonies.pcr import (
    approvals_open_to,
    approve_pcr,
    count_words,
    file_pcr,
    flagged_for_coaching,
    rule_on_pcr,
)
from convoy.ceremonies.planning import register_feature
from convoy.models import (
    AuditEvent,
    Feature,
    PcrApproval,
    PcrState,
    PriorityChangeRequest,
    Role,
    RoleAssignment,
)
from tests.factories import person


def words(n: int, word: str = "synergy") -> str:
    return " ".join([word] * n)


@pytest.fixture
def ranked(world):
    """Three ranked features: F001 (priority 3) and F002 (priority 1) are the captain's."""
    world.feature(1, name="Ledger Sync")
    world.feature(2, name="Audit Beacon")
    world.feature(3, name="Signal Lamp", captain=world.other_captain)
    for number, priority in [(1, 3), (2, 1), (3, 2)]:
        Feature.objects.filter(convoy=world.convoy, number=number).update(priority=priority)
    world.cset = person("cset.ito", Role.CSET)
    world.earb = person("earb.nakamura", Role.EARB)
    return world


def f(world, number):
    return Feature.objects.get(convoy=world.convoy, number=number)


def file(world, number=1, proposed=1, justification=2000, counter=None, actor=None, **kw):
    return file_pcr(
        actor=actor or world.captain,
        feature=f(world, number),
        proposed_priority=proposed,
        justification=kw.get("text", words(justification)),
        counter_justification=kw.get(
            "counter_text", words(justification if counter is None else counter, "however")
        ),
    )


def approve_all_but_commodore(world, pcr):
    approve_pcr(actor=world.cset, pcr=pcr, role=Role.CSET)
    approve_pcr(actor=world.earb, pcr=pcr, role=Role.EARB)
    approve_pcr(actor=world.captain, pcr=pcr, role=Role.FEATURE_CAPTAIN)
    approve_pcr(actor=world.other_captain, pcr=pcr, role=Role.FEATURE_CAPTAIN)


def fully_approved(world, pcr):
    approve_all_but_commodore(world, pcr)
    approve_pcr(actor=world.commodore, pcr=pcr, role=Role.COMMODORE)
    return pcr


# Counting words -------------------------------------------------------------------------


def test_words_are_runs_of_non_whitespace():
    assert count_words("") == 0
    assert count_words("   \n\t ") == 0
    assert count_words("one") == 1
    assert count_words("  one two\n\nthree\tfour\u00a0five\u3000six  ") == 6
    assert count_words("don't re-rank e.g. 1,234") == 4


@given(
    st.lists(
        st.text(
            alphabet=st.characters(
                blacklist_categories=("Zs", "Zl", "Zp", "Cc"), blacklist_characters="\ufeff"
            ),
            min_size=1,
        )
    ),
    st.sampled_from([" ", "\n", "\r\n", "\t", "\u00a0", "  \u2003 ", "\u3000"]),
)
def test_the_count_is_the_number_of_words_joined_by_any_whitespace(tokens, separator):
    assert count_words(separator.join(tokens)) == len(tokens)


# Filing ---------------------------------------------------------------------------------


def test_the_feature_captain_files_a_pcr_with_the_records_copied(ranked):  # R17
    pcr = file(ranked, justification=2000, counter=2100)
    assert pcr.feature_name == "Ledger Sync"
    assert pcr.feature_captain_name == "Fc Okafor"
    assert (pcr.current_priority, pcr.proposed_priority) == (3, 1)
    assert pcr.feature_team_size == 2
    assert (pcr.justification_words, pcr.counter_justification_words) == (2000, 2100)
    assert pcr.state == PcrState.FILED and pcr.filed_by == ranked.captain


def test_the_pcr_stands_as_filed_when_the_records_change(ranked):  # R17
    pcr = file(ranked)
    Feature.objects.filter(pk=pcr.feature_id).update(name="Ledger Sync Renamed")
    pcr.refresh_from_db()
    assert pcr.feature_name == "Ledger Sync"


def test_a_justification_of_1999_words_is_refused(ranked):  # R17
    with pytest.raises(ProcessViolation) as refusal:
        file(ranked, justification=1999, counter=5000)
    assert refusal.value.rule == "R17"
    assert refusal.value.message == (
        "The justification has 1,999 words; R17 requires at least 2,000."
    )
    assert not PriorityChangeRequest.objects.exists()


def test_a_justification_of_exactly_2000_words_is_accepted(ranked):  # R17
    assert file(ranked, justification=2000, counter=2000).justification_words == 2000


def test_a_shorter_counter_justification_is_refused(ranked):  # R17
    with pytest.raises(ProcessViolation) as refusal:
        file(ranked, justification=2500, counter=2499)
    assert refusal.value.rule == "R17"
    assert refusal.value.message == (
        "The counter-justification has 2,499 words and the justification 2,500; R17 requires "
        "the counter-justification to be of equal or greater length."
    )
    assert not PriorityChangeRequest.objects.exists()


def test_another_feature_captain_may_not_file_for_the_feature(ranked):  # R17, R4
    with pytest.raises(ProcessViolation) as refusal:
        file(ranked, actor=ranked.other_captain)
    assert refusal.value.rule == "R4"
    assert "requires being its Feature Captain, Fc Okafor. Fc Brandt is not" in (
        refusal.value.message
    )
    assert not PriorityChangeRequest.objects.exists()


@pytest.mark.parametrize("who", ["commodore", "engineer", "auditor", "admiral"])
def test_filing_requires_the_feature_captain_role(ranked, who):  # R4
    with pytest.raises(ProcessViolation) as refusal:
        file(ranked, actor=getattr(ranked, who))
    assert refusal.value.rule == "R4"
    assert "requires the role of Feature Captain for CONVOY-1" in refusal.value.message


def test_a_feature_without_a_priority_is_refused(ranked):  # R17
    Feature.objects.filter(pk=f(ranked, 1).pk).update(priority=None)
    with pytest.raises(ProcessViolation) as refusal:
        file(ranked)
    assert refusal.value.rule == "R17"
    assert "F001 has no priority: it has not been ranked" in refusal.value.message


def test_proposing_the_current_priority_is_refused(ranked):  # R17
    with pytest.raises(ProcessViolation) as refusal:
        file(ranked, proposed=3)
    assert refusal.value.rule == "R17"
    assert "The proposed priority 3 is the current priority of F001" in refusal.value.message


@pytest.mark.parametrize("proposed", [0, 4])
def test_proposing_a_priority_that_does_not_exist_is_refused(ranked, proposed):  # R17
    with pytest.raises(ProcessViolation) as refusal:
        file(ranked, proposed=proposed)
    assert refusal.value.rule == "R17"
    assert "its features are ranked 1 to 3" in refusal.value.message


def test_an_identical_request_still_before_the_mast_is_not_filed_twice(ranked):  # R17
    first = file(ranked)
    with pytest.raises(ProcessViolation) as refusal:
        file(ranked)
    assert refusal.value.rule == "R17"
    assert f"already filed as PCR-{first.pk}" in refusal.value.message
    assert PriorityChangeRequest.objects.count() == 1


def test_filing_writes_an_audit_event_with_the_counts_and_digests(ranked):  # R57
    pcr = file(ranked, justification=2000, counter=2001)
    event = AuditEvent.objects.get(action="pcr.file", object_id=str(pcr.pk))
    assert event.actor == ranked.captain
    assert event.after["justification_words"] == 2000
    assert event.after["counter_justification_words"] == 2001
    assert len(event.after["justification_sha256"]) == 64


def test_html_in_the_texts_is_stored_as_written(ranked):
    script = "<script>alert(1)</script> "
    pcr = file(ranked, text=script + words(2000), counter_text=script + words(2000))
    assert pcr.justification.startswith("<script>")
    assert pcr.justification_words == 2001


def test_a_closed_convoy_takes_no_requests(ranked):  # R7
    type(ranked.convoy).objects.filter(pk=ranked.convoy.pk).update(state="CLOSED")
    with pytest.raises(ProcessViolation) as refusal:
        file(ranked)
    assert refusal.value.rule == "R7"


# Coaching -------------------------------------------------------------------------------


def test_two_requests_in_a_convoy_do_not_flag_the_filer(ranked):  # R17
    file(ranked, number=1, proposed=1)
    file(ranked, number=2, proposed=2)
    assert flagged_for_coaching(ranked.convoy) == set()


def test_the_third_request_in_a_convoy_flags_the_filer_for_coaching(ranked):  # R17
    file(ranked, number=1, proposed=1)
    file(ranked, number=2, proposed=2)
    file(ranked, number=1, proposed=2)
    assert flagged_for_coaching(ranked.convoy) == {ranked.captain.pk}
    event = AuditEvent.objects.get(action="crew.flag_for_coaching")
    assert event.after == {"convoy": "CONVOY-1", "pcrs_filed": 3}


def test_requests_in_different_convoys_are_not_added_together(ranked):  # R17
    file(ranked, number=1, proposed=1)
    file(ranked, number=2, proposed=2)
    other = create_convoy(
        actor=ranked.admiral,
        year=2027,
        quarter=2,
        sailing_date=dt.date(2027, 6, 16),
        commodore=ranked.commodore,
    )
    RoleAssignment.objects.create(user=ranked.captain, role=Role.FEATURE_CAPTAIN, convoy=other)
    for number in (1, 2):
        register_feature(
            actor=ranked.captain, convoy=other, name="Ledger", captain=ranked.captain, number=number
        )
        Feature.objects.filter(convoy=other, number=number).update(priority=number)
    file_pcr(
        actor=ranked.captain,
        feature=Feature.objects.get(convoy=other, number=2),
        proposed_priority=1,
        justification=words(2000),
        counter_justification=words(2000),
    )
    assert flagged_for_coaching(ranked.convoy) == set()
    assert flagged_for_coaching(other) == set()


# The approval chain ---------------------------------------------------------------------


def test_the_commodore_approves_only_after_every_other_approval(ranked):  # R17
    pcr = file(ranked)
    approve_pcr(actor=ranked.cset, pcr=pcr, role=Role.CSET)
    approve_pcr(actor=ranked.earb, pcr=pcr, role=Role.EARB)
    approve_pcr(actor=ranked.captain, pcr=pcr, role=Role.FEATURE_CAPTAIN)
    with pytest.raises(ProcessViolation) as refusal:
        approve_pcr(actor=ranked.commodore, pcr=pcr, role=Role.COMMODORE)
    assert refusal.value.rule == "R17"
    assert refusal.value.message == (
        f"The Commodore approves last. PCR-{pcr.pk} still awaits the approval of "
        "Feature Captain Fc Brandt."
    )
    assert not pcr.approvals.filter(role=Role.COMMODORE).exists()


def test_the_commodore_approves_last_once_all_others_are_in(ranked):  # R17
    pcr = fully_approved(ranked, file(ranked))
    assert list(pcr.approvals.values_list("role", flat=True)) == [
        "CSET",
        "EARB",
        "FEATURE_CAPTAIN",
        "FEATURE_CAPTAIN",
        "COMMODORE",
    ]


def test_every_feature_captain_of_the_convoy_approves_individually(ranked):  # R17
    third = person("fc.adeyemi", Role.FEATURE_CAPTAIN, convoy=ranked.convoy)
    pcr = file(ranked)
    approve_all_but_commodore(ranked, pcr)
    with pytest.raises(ProcessViolation) as refusal:
        approve_pcr(actor=ranked.commodore, pcr=pcr, role=Role.COMMODORE)
    assert "awaits the approval of Feature Captain Fc Adeyemi" in refusal.value.message
    approve_pcr(actor=third, pcr=pcr, role=Role.FEATURE_CAPTAIN)
    approve_pcr(actor=ranked.commodore, pcr=pcr, role=Role.COMMODORE)


def test_a_feature_captain_approves_once(ranked):  # R17
    pcr = file(ranked)
    approve_pcr(actor=ranked.other_captain, pcr=pcr, role=Role.FEATURE_CAPTAIN)
    with pytest.raises(ProcessViolation) as refusal:
        approve_pcr(actor=ranked.other_captain, pcr=pcr, role=Role.FEATURE_CAPTAIN)
    assert "Fc Brandt has already approved" in refusal.value.message
    assert pcr.approvals.count() == 1


def test_the_cset_approves_once_as_a_body(ranked):  # R17
    pcr = file(ranked)
    approve_pcr(actor=ranked.cset, pcr=pcr, role=Role.CSET)
    colleague = person("cset.berg", Role.CSET)
    with pytest.raises(ProcessViolation) as refusal:
        approve_pcr(actor=colleague, pcr=pcr, role=Role.CSET)
    assert "The Code Standards Enforcement Team has already approved" in refusal.value.message


@pytest.mark.parametrize(
    "who, role",
    [
        ("engineer", Role.CSET),
        ("auditor", Role.EARB),
        ("engineer", Role.FEATURE_CAPTAIN),
        ("captain", Role.COMMODORE),
    ],
)
def test_an_approval_requires_the_role_it_is_given_in(ranked, who, role):  # R4
    pcr = file(ranked)
    with pytest.raises(ProcessViolation) as refusal:
        approve_pcr(actor=getattr(ranked, who), pcr=pcr, role=role)
    assert refusal.value.rule == "R4"
    assert f"requires the role of {role.label}" in refusal.value.message
    assert not PcrApproval.objects.exists()


def test_a_role_outside_the_chain_does_not_approve(ranked):  # R17
    pcr = file(ranked)
    with pytest.raises(ProcessViolation) as refusal:
        approve_pcr(actor=ranked.auditor, pcr=pcr, role=Role.AUDITOR)
    assert refusal.value.rule == "R17"


def test_approvals_write_audit_events(ranked):  # R57
    pcr = file(ranked)
    approve_pcr(actor=ranked.cset, pcr=pcr, role=Role.CSET)
    event = AuditEvent.objects.get(action="pcr.approve")
    assert event.actor == ranked.cset and event.after["role"] == "CSET"


def test_the_page_offers_each_person_the_approvals_open_to_them(ranked):  # R17
    pcr = file(ranked)
    assert approvals_open_to(ranked.cset, pcr) == [Role.CSET]
    assert approvals_open_to(ranked.commodore, pcr) == []
    assert approvals_open_to(ranked.auditor, pcr) == []
    approve_all_but_commodore(ranked, pcr)
    assert approvals_open_to(ranked.cset, pcr) == []
    assert approvals_open_to(ranked.commodore, pcr) == [Role.COMMODORE]


# Captain's Mast -------------------------------------------------------------------------


def test_a_grant_swaps_the_priorities(ranked):  # R17
    pcr = fully_approved(ranked, file(ranked, number=1, proposed=1))
    rule_on_pcr(actor=ranked.commodore, pcr=pcr, grant=True, note="The case is compelling.")
    assert f(ranked, 1).priority == 1
    assert f(ranked, 2).priority == 3  # held priority 1; takes F001's former 3
    assert f(ranked, 3).priority == 2
    pcr.refresh_from_db()
    assert pcr.state == PcrState.GRANTED and pcr.ruling_note == "The case is compelling."
    moves = AuditEvent.objects.filter(action="feature.reprioritise").count()
    assert moves == 2 and AuditEvent.objects.filter(action="pcr.rule").count() == 1


def test_a_denial_leaves_the_priorities(ranked):  # R17
    pcr = fully_approved(ranked, file(ranked))
    rule_on_pcr(actor=ranked.commodore, pcr=pcr, grant=False, note="Insufficient rigour.")
    assert [f(ranked, n).priority for n in (1, 2, 3)] == [3, 1, 2]
    pcr.refresh_from_db()
    assert pcr.state == PcrState.DENIED


def test_the_verdict_is_final(ranked):  # R17
    pcr = fully_approved(ranked, file(ranked))
    rule_on_pcr(actor=ranked.commodore, pcr=pcr, grant=False, note="Denied.")
    with pytest.raises(ProcessViolation) as refusal:
        rule_on_pcr(actor=ranked.commodore, pcr=pcr, grant=True, note="On reflection.")
    assert refusal.value.rule == "R17"
    assert "Denied at Captain's Mast. It is final." in refusal.value.message
    pcr.refresh_from_db()
    assert pcr.state == PcrState.DENIED and pcr.ruling_note == "Denied."
    assert f(ranked, 1).priority == 3


def test_no_approval_after_the_verdict(ranked):  # R17
    pcr = fully_approved(ranked, file(ranked))
    rule_on_pcr(actor=ranked.commodore, pcr=pcr, grant=False, note="Denied.")
    person("fc.late", Role.FEATURE_CAPTAIN, convoy=ranked.convoy)
    with pytest.raises(ProcessViolation) as refusal:
        approve_pcr(actor=ranked.cset, pcr=pcr, role=Role.CSET)
    assert "Its approval chain is closed." in refusal.value.message


def test_the_mast_hears_only_a_complete_chain(ranked):  # R17
    pcr = file(ranked)
    approve_all_but_commodore(ranked, pcr)
    with pytest.raises(ProcessViolation) as refusal:
        rule_on_pcr(actor=ranked.commodore, pcr=pcr, grant=True, note="Granted.")
    assert refusal.value.rule == "R17"
    assert "It awaits the approval of the Commodore." in refusal.value.message
    assert f(ranked, 1).priority == 3


@pytest.mark.parametrize("who", ["captain", "admiral", "auditor"])
def test_only_the_commodore_rules(ranked, who):  # R4
    pcr = fully_approved(ranked, file(ranked))
    with pytest.raises(ProcessViolation) as refusal:
        rule_on_pcr(actor=getattr(ranked, who), pcr=pcr, grant=True, note="Granted.")
    assert refusal.value.rule == "R4"
    assert "requires the role of Commodore" in refusal.value.message
    pcr.refresh_from_db()
    assert pcr.state == PcrState.FILED


def test_the_verdict_states_its_grounds(ranked):  # R17
    pcr = fully_approved(ranked, file(ranked))
    with pytest.raises(ProcessViolation) as refusal:
        rule_on_pcr(actor=ranked.commodore, pcr=pcr, grant=True, note="   ")
    assert "states its grounds" in refusal.value.message
