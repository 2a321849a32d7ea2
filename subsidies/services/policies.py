"""Subsidy policies and their item standards: saved here by every path (admin form, command line).

Approved means frozen: a policy an approved settlement was computed with (and its item standards) can no
longer change in place; the refusal tells the county to make a new policy. Edits carry the version the form
showed (``core.versioning``): a change made meanwhile by someone else is refused, not overwritten.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clinics.selectors import can_administer_county
from core.versioning import bump, check_version
from programs.selectors.reports import county_price_table
from subsidies.models import PolicyItem, SubsidyPolicy
from subsidies.selectors.settlement import approved_run_using

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def ensure_policy_not_frozen(policy_id: int) -> None:
    """Refuse a change to a policy that an approved settlement used."""
    run = approved_run_using(policy_id)
    if run is not None:
        raise ValidationError(
            _(
                "该政策已用于已审批的“%(run)s”，不能再修改（已审批的结算必须能按原标准复核）。"
                "如需调整标准，请新建一个政策，再用新政策发起更正结算。"
            )
            % {"run": run},
            code="frozen",
        )


def _ensure_county(user: User | None, county_id: int) -> None:
    if user is not None and not can_administer_county(user, county_id):
        raise PermissionDenied


@transaction.atomic
def save_policy(*, user: User | None, instance: SubsidyPolicy, version: int | None = None) -> SubsidyPolicy:
    """Create or change a policy (its fields already set on ``instance`` and validated by the form)."""
    _ensure_county(user, instance.county_id)
    if instance.pk is not None:
        current = SubsidyPolicy.objects.select_for_update().get(pk=instance.pk)
        _ensure_county(user, current.county_id)
        ensure_policy_not_frozen(current.pk)
        check_version(current, version)
        instance.version = current.version
    bump(instance, user)
    instance.save()
    return instance


@transaction.atomic
def save_policy_item(*, user: User | None, instance: PolicyItem, version: int | None = None) -> PolicyItem:
    """Create or change an item standard of a policy that no approved settlement used yet."""
    policy = SubsidyPolicy.objects.select_for_update().get(pk=instance.policy_id)
    _ensure_county(user, policy.county_id)
    ensure_policy_not_frozen(policy.pk)
    if instance.pk is not None:
        old_policy_id = PolicyItem.objects.values_list("policy_id", flat=True).get(pk=instance.pk)
        if old_policy_id != policy.pk:
            ensure_policy_not_frozen(old_policy_id)
    instance.save()
    return instance


@transaction.atomic
def delete_policy_item(*, user: User | None, instance: PolicyItem) -> None:
    policy = SubsidyPolicy.objects.select_for_update().get(pk=instance.policy_id)
    _ensure_county(user, policy.county_id)
    ensure_policy_not_frozen(policy.pk)
    instance.delete()


def copy_name(*, policy: SubsidyPolicy, year: int) -> str:
    """The name a copy is offered: the year in the name moved on (2026年村级补助 → 2027年村级补助), or, for a
    copy within the same year (a new version of a frozen policy), the name marked as revised."""
    if year == policy.year:
        return _("%(name)s（修订）") % {"name": policy.name}
    old = str(policy.year)
    return policy.name.replace(old, str(year)) if old in policy.name else f"{year}{policy.name}"


@transaction.atomic
def copy_policy(*, user: User | None, policy: SubsidyPolicy, year: int, name: str) -> SubsidyPolicy:
    """A new draft policy with the same parameters and item standards, for another year (next year's policy) or
    for the same year (a new version of a policy an approved settlement froze). The original is left as it is:
    the runs computed with it keep pointing at it."""
    copy = SubsidyPolicy.objects.get(pk=policy.pk)  # read afresh: the caller's object stays the original
    _ensure_county(user, copy.county_id)
    standards = list(copy.items.order_by("pk"))
    name = name.strip()
    if SubsidyPolicy.objects.filter(county_id=copy.county_id, year=year, name=name).exists():
        raise ValidationError(
            {"name": _("%(year)s 年已有名为“%(name)s”的政策，请换一个名称。") % {"year": year, "name": name}}
        )
    copy.pk = None
    copy._state.adding = True
    copy.year, copy.name, copy.status, copy.effective_from = year, name, SubsidyPolicy.Status.DRAFT, None
    copy.version = 0
    copy = save_policy(user=user, instance=copy)
    for standard in standards:  # one by one, so that the change history records each standard
        PolicyItem(
            policy=copy, item_id=standard.item_id, unit_price=standard.unit_price, work_points=standard.work_points
        ).save()
    return copy


@transaction.atomic
def fill_prices_from_table(*, user: User | None, policy: SubsidyPolicy) -> int:
    """Copy the county's yearly price table (县服务项目单价表) into the policy: every item of the table the policy
    has no standard for yet, with the table's price and work points. Items the policy already prices keep their
    standard (the county set it on purpose). Returns how many items were added."""
    policy = SubsidyPolicy.objects.select_for_update().get(pk=policy.pk)
    _ensure_county(user, policy.county_id)
    ensure_policy_not_frozen(policy.pk)
    table = county_price_table(county_id=policy.county_id, year=policy.year)
    if not table:
        raise ValidationError(
            _("%(year)s 年的县服务项目单价表是空的，没有可以补入的单价。请先在“服务项目单价”中录入或导入。")
            % {"year": policy.year}
        )
    have = set(policy.items.values_list("item_id", flat=True))
    added = [
        PolicyItem(policy=policy, item_id=row.item_id, unit_price=row.unit_price, work_points=row.work_points)
        for row in table.values()
        if row.item_id not in have
    ]
    for item in added:  # one by one, so that the change history records each standard
        item.save()
    return len(added)
