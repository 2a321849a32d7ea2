"""The register's service and selectors: identity checks, find-or-create by keyed hash, moves in the history,
scope, search, and the key-population denominators."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from clinics import audit
from residents import crypto, selectors
from residents.models import Resident, ResidentRegistration
from residents.services import register_resident
from residents.validation import check_digit, check_id_number
from tests.residents.helpers import make_id, phone_for, register

pytestmark = pytest.mark.django_db


# ---- ID numbers by hand --------------------------------------------------------------------------------------


def test_a_valid_number_gives_birth_date_and_sex():
    number = check_id_number(make_id(3, birth="19750612"))
    assert number.birth_date == date(1975, 6, 12)
    assert number.sex == "M"
    assert check_id_number(make_id(4)).sex == "F"


def test_an_x_check_digit_is_valid_in_either_case():
    # 11010519491231002X: the specification's own example (check character X).
    assert check_digit("11010519491231002") == "X"
    assert check_id_number("11010519491231002x").number == "11010519491231002X"


def test_a_wrong_check_digit_is_refused():
    good = make_id(5)
    bad = good[:17] + str((int(good[17]) + 1) % 10 if good[17] != "X" else 0)
    with pytest.raises(ValidationError) as exc:
        check_id_number(bad)
    assert exc.value.code == "check_digit"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (make_id(6)[:17], "length"),
        ("32010219800230" + "0011", "birth_date"),  # 30 February
        ("320102" + "21990101" + "0011", "birth_date"),  # not born yet
        ("３２０１０２１９８００１０１００１１", "characters"),  # full-width digits
        ("32010219800101001A", "characters"),
    ],
)
def test_bad_numbers_are_refused_with_the_rule_that_failed(value, code):
    with pytest.raises(ValidationError) as exc:
        check_id_number(value)
    assert exc.value.code == code


# ---- crypto (hypothesis) -------------------------------------------------------------------------------------

DIGITS = st.text(alphabet="0123456789", min_size=0, max_size=24)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_encrypt_decrypt_round_trip(value):
    assert crypto.decrypt(crypto.encrypt(value)) == value


@settings(max_examples=60, deadline=None)
@given(DIGITS, DIGITS)
def test_keyed_hash_is_equal_exactly_for_equal_numbers(a, b):
    assert (crypto.keyed_hash(a) == crypto.keyed_hash(b)) == (a == b)
    assert crypto.keyed_hash(f" {a.lower()} ") == crypto.keyed_hash(a)


@settings(max_examples=100, deadline=None)
@given(DIGITS)
def test_a_mask_never_shows_more_than_eight_digits(value):
    for masked in (crypto.mask_id_number(value), crypto.mask_phone(value)):
        assert sum(c.isdigit() for c in masked) <= 8
        assert len(masked) == len(value)


# ---- the service ---------------------------------------------------------------------------------------------


def test_register_encrypts_masks_and_finds_the_resident_again(org):
    registration = register(org.ca1a, 7, flags={"hypertension": True}, village_group="三组")
    resident = registration.resident
    number = make_id(7)
    assert resident.id_number_hash == crypto.keyed_hash(number)
    assert crypto.decrypt(resident.id_number_encrypted) == number
    assert resident.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert resident.phone_masked == phone_for(7)[:3] + "****" + phone_for(7)[-4:]
    assert resident.birth_date == date(1980, 1, 1) and resident.sex == "M"
    assert registration.hypertension and not registration.diabetes
    again = register(org.ca1a, 7, year=2027, name="王晓明")
    assert again.resident_id == resident.pk and Resident.objects.count() == 1
    assert ResidentRegistration.objects.filter(resident=resident).count() == 2
    assert Resident.objects.get().name == "王晓明"


def test_register_refuses_bad_input_by_field(org):
    with pytest.raises(ValidationError) as exc:
        register_resident(
            user=None, clinic=org.ca1a, year=2026, name="", id_number="123", phone="12", flags={"x": True}
        )
    assert set(exc.value.error_dict) == {"name", "id_number", "phone", "flags"}
    assert not Resident.objects.exists()


def test_staff_of_another_township_may_not_register(org):
    with pytest.raises(PermissionDenied):
        register(org.ca1a, user=org.users.other_township)
    with pytest.raises(PermissionDenied):
        register(org.ca1a, user=org.users.doctor)
    assert register(org.ca1a, user=org.users.township).clinic == org.ca1a
    assert register(org.ca2a, 2, user=org.users.county).clinic == org.ca2a


def test_a_move_between_clinics_is_in_the_history_with_its_reason(org):
    registration = register(org.ca1a, 8, user=org.users.township)
    register(org.ca1b, 8, user=org.users.township)
    registration.refresh_from_db()
    assert registration.clinic == org.ca1b
    actions = audit.actions_for(registration, org.users.county)
    reasons = [a.reason for a in actions]
    assert "迁入李家村卫生室" in reasons
    moved = next(a for a in actions if a.reason == "迁入李家村卫生室")
    text = " ".join(str(c) for e in moved.entries for c in e.changes)
    assert "张庄村卫生室" in text and "李家村卫生室" in text


# ---- selectors -----------------------------------------------------------------------------------------------


def test_registrations_are_scoped_and_searchable(org):
    register(org.ca1a, 11, name="张三", flags={"diabetes": True})
    register(org.ca2a, 12, name="李四")
    register(org.cb1a, 13, name="赵五")
    names = lambda user, **kw: sorted(  # noqa: E731
        r.resident.name for r in selectors.registrations_for(user, year=2026, **kw).select_related("resident")
    )
    assert names(org.users.township) == ["张三"]
    assert names(org.users.county) == ["张三", "李四"]
    assert names(org.users.other_county) == ["赵五"]
    assert names(org.users.doctor) == ["张三"]
    assert names(org.users.county, flag="diabetes") == ["张三"]
    assert names(org.users.county, search=make_id(12)) == ["李四"]
    assert names(org.users.county, search=make_id(12)[-4:]) == ["李四"]
    assert names(org.users.county, search=phone_for(11)[-4:]) == ["张三"]
    assert names(org.users.county, search="李") == ["李四"]
    assert names(org.users.county, search=make_id(13)) == []


def test_find_residents_for_clinic(org):
    register(org.ca1a, 21, name="孙一")
    register(org.ca1b, 22, name="孙二")
    found = selectors.find_residents_for_clinic(org.users.doctor, org.ca1a, "孙")
    assert [r.name for r in found] == ["孙一"]
    assert selectors.find_residents_for_clinic(org.users.doctor, org.ca1b, "孙") == []
    assert [r.name for r in selectors.find_residents_for_clinic(org.users.township, org.ca1a, make_id(21)[-4:])] == [
        "孙一"
    ]


def test_key_population_counts_in_one_query(org, django_assert_num_queries):
    register(org.ca1a, 31, flags={"elderly": True, "hypertension": True})
    register(org.ca1a, 32, flags={"hypertension": True})
    register(org.ca1b, 33, flags={"child": True})
    register(org.ca1b, 34, year=2025, flags={"child": True})
    with django_assert_num_queries(1):
        counts = selectors.key_population_counts(clinic_ids=[org.ca1a.pk, org.ca1b.pk, org.ca2a.pk], year=2026)
    assert counts[org.ca1a.pk]["total"] == 2
    assert counts[org.ca1a.pk]["hypertension"] == 2 and counts[org.ca1a.pk]["elderly"] == 1
    assert counts[org.ca1b.pk]["child"] == 1 and counts[org.ca1b.pk]["diabetes"] == 0
    assert org.ca2a.pk not in counts
