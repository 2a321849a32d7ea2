"""The scope selector layer: who sees which counties, townships and clinics."""

import pytest
from django.http import Http404

from clinics import selectors
from clinics.models import Clinic, ClinicPopulation


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


@pytest.mark.parametrize(
    "role, expected",
    [
        ("superuser", ["A1a", "A1b", "A2a", "B1a"]),
        ("county", ["A1a", "A1b", "A2a"]),
        ("other_county", ["B1a"]),
        ("township", ["A1a", "A1b"]),
        ("other_township", ["A2a"]),
        ("doctor", ["A1a"]),
        ("far_doctor", ["B1a"]),
        ("editor", ["A1a", "A1b", "A2a"]),
        ("norole", []),
    ],
)
def test_clinics_for_each_role(org, role, expected):
    assert codes(selectors.clinics_for(getattr(org.users, role))) == expected


@pytest.mark.parametrize(
    "role, expected",
    [
        ("superuser", ["A1", "A2", "B1"]),
        ("county", ["A1", "A2"]),
        ("township", ["A1"]),
        ("doctor", ["A1"]),
        ("far_doctor", ["B1"]),
        ("norole", []),
    ],
)
def test_townships_for_each_role(org, role, expected):
    assert codes(selectors.townships_for(getattr(org.users, role))) == expected


def test_anonymous_sees_nothing(org):
    from django.contrib.auth.models import AnonymousUser

    assert codes(selectors.clinics_for(AnonymousUser())) == []
    assert selectors.get_scope(None).level is None


def test_restrict_follows_a_path_to_the_clinic(org):
    qs = ClinicPopulation.objects.all()
    assert restrict_codes(qs, org.users.township) == ["A1a", "A1b"]
    assert restrict_codes(qs, org.users.doctor) == ["A1a"]
    assert restrict_codes(qs, org.users.other_county) == ["B1a"]


def restrict_codes(qs, user):
    return sorted(selectors.restrict(qs, user, clinic="clinic").values_list("clinic__code", flat=True))


def test_get_scoped_or_404_hides_other_scopes_and_garbage_ids(org):
    user = org.users.township
    assert selectors.get_scoped_or_404(Clinic.objects.all(), user, pk=org.ca1a.pk, clinic="").code == "A1a"
    for pk in (org.ca2a.pk, org.cb1a.pk, 999999, "abc", None):
        with pytest.raises(Http404):
            selectors.get_scoped_or_404(Clinic.objects.all(), user, pk=pk, clinic="")


def test_can_manage(org):
    assert selectors.can_manage_clinic(org.users.township, org.ca1a)
    assert not selectors.can_manage_clinic(org.users.township, org.ca2a)
    assert selectors.can_manage_clinic(org.users.county, org.ca2a)
    assert not selectors.can_manage_clinic(org.users.county, org.cb1a)
    assert not selectors.can_manage_clinic(org.users.doctor, org.ca1a)
    assert selectors.can_manage_township(org.users.county, org.ta2)
    assert not selectors.can_manage_township(org.users.other_township, org.ta1)


def test_user_scopes_only_for_county_admins(org):
    names = sorted(selectors.user_scopes_for(org.users.county).values_list("user__username", flat=True))
    assert names == ["county_a", "doc_a1a", "doc_a1b", "editor_a", "moderator_a", "staff_a1", "staff_a2"]
    assert not selectors.user_scopes_for(org.users.township).exists()
    assignable = set(selectors.assignable_users_for(org.users.county).values_list("username", flat=True))
    assert "nobody" in assignable and "doc_b1a" not in assignable and "root" not in assignable


def test_role_groups_hold_declared_permissions(org):
    from clinics.roles import ROLE_GROUP_NAMES, Role

    assert org.users.township.has_perm("wagtailadmin.access_admin")
    assert org.users.township.has_perm("clinics.change_clinic")
    assert not org.users.township.has_perm("clinics.add_township")
    assert org.users.county.has_perm("clinics.add_township")
    assert not org.users.doctor.has_perm("wagtailadmin.access_admin")
    assert org.users.doctor.groups.get().name == ROLE_GROUP_NAMES[Role.VILLAGE_DOCTOR]


def test_reassigning_a_role_replaces_the_old_one(org):
    from clinics.roles import Role
    from clinics.services import assign_role

    user = org.users.doctor
    assign_role(user=user, role=Role.VILLAGE_DOCTOR, clinic=org.ca2a)
    assert codes(selectors.clinics_for(user)) == ["A2a"]
    assert user.groups.count() == 1


def test_userscope_constraint_rejects_mismatched_place(org):
    from django.db import IntegrityError, transaction

    from clinics.models import UserScope
    from clinics.roles import Role

    with pytest.raises(IntegrityError), transaction.atomic():
        UserScope.objects.create(user=org.users.norole, role=Role.VILLAGE_DOCTOR, township=org.ta1)
