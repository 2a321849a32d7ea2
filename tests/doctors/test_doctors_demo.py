"""The demo seed gives every doctor login a record and a valid licence, plus the work-list cases."""

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from doctors import selectors
from doctors.models import Licence, RenewalApplication, TrainingAttendance, VillageDoctor


def test_seed_demo_doctors(db):
    call_command("seed_demo", "--townships", "2", "--clinics-per-township", "4", stdout=StringIO())
    today = timezone.localdate()
    logins = get_user_model().objects.filter(username__startswith="doc")
    assert logins.count() == 8
    for user in logins:
        assert selectors.practice_permission(user=user, on=today).allowed, user.username
    assert VillageDoctor.objects.filter(user__isnull=True).count() == 8
    assert Licence.objects.filter(status=Licence.Status.EXPIRED).count() == 1
    assert RenewalApplication.objects.filter(status__in=RenewalApplication.OPEN).count() == 2
    assert TrainingAttendance.objects.count() > 100
    staff = get_user_model().objects.get(username="staff01")
    assert selectors.expiring_within(user=staff, on=today).exists()
    assert selectors.lapsed(user=staff, on=today).exists()
    ids = sorted(VillageDoctor.objects.values_list("id_number", flat=True))
    for doctor in VillageDoctor.objects.all():
        doctor.full_clean()  # ID numbers, mobiles, gender and birth date are consistent
    assert len(set(ids)) == len(ids)
