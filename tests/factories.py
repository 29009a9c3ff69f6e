"""Factories for the records tests build by hand. Role-bearing people come from `crew()`."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from convoy import clock
from convoy.models import Change, Convoy, CrewProfile, Feature, Role, RoleAssignment

User = get_user_model()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    password = factory.django.Password("a-long-test-passphrase")
    crew = factory.RelatedFactory("tests.factories.CrewProfileFactory", factory_related_name="user")


class CrewProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CrewProfile

    display_name = factory.LazyAttribute(lambda o: o.user.username.replace(".", " ").title())
    initials = factory.LazyAttribute(lambda o: o.user.username[:2].upper())
    team = "Team Kestrel"
    signature_reference = factory.LazyAttribute(lambda o: f"sig:{o.user.username}")


class ConvoyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Convoy

    number = factory.Sequence(lambda n: n + 1)
    year = 2027
    quarter = 1
    sailing_date = dt.date(2027, 3, 17)
    commodore = factory.SubFactory(UserFactory, username="commodore")
    created_at = factory.LazyFunction(clock.now)
    state_changed_at = factory.LazyFunction(clock.now)


class FeatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feature

    convoy = factory.SubFactory(ConvoyFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Ledger Sync {n}")
    captain = factory.SubFactory(UserFactory)
    created_at = factory.LazyFunction(clock.now)


class ChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Change

    feature = factory.SubFactory(FeatureFactory)
    title = factory.Sequence(lambda n: f"Change {n}")
    author = factory.SubFactory(UserFactory)
    created_at = factory.LazyFunction(clock.now)
    state_changed_at = factory.LazyFunction(clock.now)


def person(username: str, *roles: Role, convoy: Convoy | None = None, **assignment) -> User:
    """A user holding `roles` (standing ones across Convoys, the rest in `convoy`)."""
    from convoy.models import STANDING_ROLES

    user = UserFactory(username=username)
    for role in roles:
        RoleAssignment.objects.create(
            user=user,
            role=role,
            convoy=None if role in STANDING_ROLES else convoy,
            **assignment,
        )
    return user
