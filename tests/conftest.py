import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from convoy import caching, clock
from convoy.ceremonies.lifecycle import create_convoy
from convoy.models import Convoy, Feature, Role
from tests.factories import person

pytest_plugins = ["tests.browser_fixtures"]

START = timezone.make_aware(dt.datetime(2027, 1, 4, 9, 0))


@pytest.fixture(autouse=True)
def _real_clock_after_each_test():
    yield
    clock.reset()


@pytest.fixture(autouse=True)
def _empty_page_cache():
    # Page parts are keyed by the audit chain's head; a rolled-back test may leave a head that
    # the next test's different records reach again.
    caching.clear()


@pytest.fixture
def uncached_pages(settings):
    """Pages rendered afresh every time: for tests that count what a render costs."""
    settings.CACHES = settings.CACHES | {
        alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
        for alias in (caching.CACHE_ALIAS, caching.RESPONSE_ALIAS)
    }


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The hashed-name manifest exists only after `collectstatic`; pages under test link plain names.
    settings.STORAGES = settings.STORAGES | {
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing strength is not under test; the demo and production keep Django's default.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def frozen_clock():
    clock.travel_to(START)
    return START


@dataclass
class World:
    """A small Convoy in 2027 Q1 with one person per role."""

    convoy: Convoy
    admiral: object
    commodore: object
    captain: object
    other_captain: object
    engineer: object
    other_engineer: object
    auditor: object
    qa: object

    def feature(self, number: int = 1, **fields) -> Feature:
        from convoy.ceremonies.planning import register_feature

        feature = register_feature(
            actor=self.captain,
            convoy=self.convoy,
            name=fields.pop("name", f"Ledger Sync {number}"),
            captain=fields.pop("captain", self.captain),
            number=number,
            team=fields.pop("team", [self.engineer, self.other_engineer]),
            **fields,
        )
        return feature


@pytest.fixture
def world(db, frozen_clock) -> World:
    admiral = person("admiral", Role.ADMIRAL)
    commodore = person("commodore")
    convoy = create_convoy(
        actor=admiral, year=2027, quarter=1, sailing_date=dt.date(2027, 3, 17), commodore=commodore
    )
    return World(
        convoy=convoy,
        admiral=admiral,
        commodore=commodore,
        captain=person("fc.okafor", Role.FEATURE_CAPTAIN, convoy=convoy),
        other_captain=person("fc.brandt", Role.FEATURE_CAPTAIN, convoy=convoy),
        engineer=person("ce.lindqvist", Role.CODE_ENGINEER, convoy=convoy),
        other_engineer=person("ce.moreau", Role.CODE_ENGINEER, convoy=convoy),
        auditor=person("auditor", Role.AUDITOR),
        qa=person("qa", Role.QA),
    )
