"""RBRB oversight: the monthly rejection rate with its bounds and readings (R33), and the
intake-rejection pattern per team (R24)."""

from decimal import Decimal

import pytest

from convoy.ceremonies.convening import cast_ballot
from convoy.ceremonies.errors import ProcessViolation
from convoy.metrics.oversight import (
    CHECKLIST_COMPLEXITY,
    INSUFFICIENT_RIGOUR,
    WITHIN_BOUNDS,
    intake_rejections_by_team,
    monthly_rejection_rates,
    reading_for,
    rejection_rate_bounds,
)
from convoy.models import CrewProfile
from tests.pipeline.conftest import convene, new_change, schedule, submit, to_archived


@pytest.mark.parametrize(
    ("rate", "reading"),
    [
        ("0.19", INSUFFICIENT_RIGOUR),
        ("0.20", WITHIN_BOUNDS),
        ("0.60", WITHIN_BOUNDS),
        ("0.61", CHECKLIST_COMPLEXITY),
    ],
)
def test_the_rate_reads_against_its_bounds(rate, reading):  # R33
    lower, upper = rejection_rate_bounds()
    assert (lower, upper) == (Decimal("0.20"), Decimal("0.60"))
    assert reading_for(Decimal(rate), lower, upper) == reading


def test_the_bounds_are_settings(settings):  # R33
    settings.SADMF_REJECTION_RATE_LOWER = "0.5"
    settings.SADMF_REJECTION_RATE_UPPER = "0.9"
    assert rejection_rate_bounds() == (Decimal("0.5"), Decimal("0.9"))


def decide(crew, outcomes):
    changes = to_archived(crew, [new_change(crew, f"Change {n}") for n in range(len(outcomes))])
    convening = convene(crew, changes)
    for change, accept in zip(changes, outcomes, strict=True):
        for member in crew.crap:
            cast_ballot(
                actor=member,
                convening=convening,
                change=change,
                accept=accept,
                reasons=() if accept else [1],
            )


def test_a_month_with_too_few_rejections_reads_insufficient_rigour(crew):  # R33
    decide(crew, [True] * 6)
    [month] = monthly_rejection_rates()
    assert (month.decided, month.rejected, month.reading) == (6, 0, INSUFFICIENT_RIGOUR)


def test_a_month_with_too_many_rejections_reads_checklist_complexity(crew):  # R33
    decide(crew, [False, False, True])
    [month] = monthly_rejection_rates()
    assert (month.decided, month.rejected) == (3, 2)
    assert month.percent == Decimal("66.7")
    assert month.reading == CHECKLIST_COMPLEXITY


def test_intake_rejections_show_as_a_pattern_per_team(crew):  # R24, R33
    CrewProfile.objects.filter(user=crew.world.other_engineer).update(team="Team Osprey")
    schedule(crew)
    for author in (crew.engineer, crew.engineer, crew.world.other_engineer):
        change = new_change(crew, "Unsigned", author)
        with pytest.raises(ProcessViolation):
            submit(crew, change)
    months, patterns = intake_rejections_by_team()
    assert [(p.team, p.total) for p in patterns] == [("Team Kestrel", 2), ("Team Osprey", 1)]
    assert patterns[0].by_month[months[0]] == 2
