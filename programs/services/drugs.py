"""Changes to the essential-drug records: catalogue, purchases, sales (single or daily summary).

Stock never goes below zero: every change locks the clinic's stock row for that drug
(``select_for_update``) before reading it, and the ``drugstock_never_negative`` check constraint
backs the rule up in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from clinics.models import Clinic
from clinics.selectors import can_manage_clinic, get_scope
from core.forms import joined_messages
from core.validation import (
    MAX_DATE,
    MIN_RECORD_DATE,
    Limits,
    ascii_int_or,
    field_limits,
    parse_decimal,
    parse_integer,
)
from programs.models import Drug, DrugPurchase, DrugSale, DrugStock
from programs.services.periods import ensure_not_locked

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CENT = Decimal("0.01")
# Read from the model fields so the services, the import widgets and the forms cannot drift apart.
PURCHASE_PRICE_LIMITS = field_limits(DrugPurchase, "unit_price")
SALE_PRICE_LIMITS = field_limits(DrugSale, "unit_price")
QUANTITY_LIMITS = field_limits(DrugSale, "quantity")
STOCK_LIMITS = field_limits(DrugStock, "quantity")
OVERCHARGE_LIMITS = field_limits(DrugSale, "overcharge")


def pinyin_initials(text: str) -> str:
    """阿莫西林 → amxl (letters and digits kept, everything else dropped)."""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return "".join(ch for ch in "".join(letters).lower() if ch.isalnum())


def _money(value: object, field: str, label: str, *, positive: bool, limits: Limits) -> Decimal:
    """A price, within the model column's max_digits / decimal places (the import widget and the
    portal form use the same limits)."""
    try:
        number = parse_decimal(value, required=True, max_digits=limits.max_digits, decimal_places=limits.decimal_places)
    except ValidationError as exc:
        message = {
            "required": _("请填写%(label)s。"),
            "invalid": _("%(label)s必须是数字。"),
            "max_decimal_places": _("%(label)s最多保留 2 位小数。"),
        }.get(exc.code or "")
        if message is None:
            raise ValidationError(
                {field: _("%(label)s：%(problem)s") % {"label": label, "problem": joined_messages(exc)}}
            ) from None
        raise ValidationError({field: message % {"label": label}}) from None
    if number < 0 or (positive and number == 0):
        raise ValidationError({field: _("%(label)s必须大于 0。") % {"label": label}})
    return number


def _quantity(value: object, limits: Limits) -> int:
    try:
        number = parse_integer(value, required=True, max_value=limits.max_value)
    except ValidationError as exc:
        message = {"required": _("请填写数量。"), "invalid": _("数量必须是整数。")}.get(exc.code or "")
        raise ValidationError(
            {"quantity": message or _("数量：%(problem)s") % {"problem": joined_messages(exc)}}
        ) from None
    if number <= 0:
        raise ValidationError({"quantity": _("数量必须大于 0。")})
    return number


def _drug(drug: object) -> Drug:
    if isinstance(drug, Drug):
        return drug
    pk = ascii_int_or(drug, None)
    found = Drug.objects.filter(pk=pk, active=True).first() if pk is not None else None
    if found is None:
        raise ValidationError({"drug": _("找不到该药品，请从基本药物目录中选择。")})
    return found


def check_record_date(*, clinic: Clinic, on: object, today: date | None = None) -> date:
    """The date of a purchase or a sale, on every path (portal, admin, import): not in the future,
    not before 2000 nor before the clinic opened (when that is recorded), not in a locked month."""
    if isinstance(on, datetime):
        on = on.date()
    if not isinstance(on, date):
        raise ValidationError({"date": _("请填写日期。")})
    if on > (today or timezone.localdate()):
        raise ValidationError({"date": _("日期不能晚于今天。")})
    if on < MIN_RECORD_DATE:
        raise ValidationError({"date": _("日期不能早于 %(d)s。") % {"d": MIN_RECORD_DATE.isoformat()}})
    if clinic.opened_on and on < clinic.opened_on:
        raise ValidationError(
            {"date": _("日期不能早于该卫生室的开办日期（%(d)s）。") % {"d": clinic.opened_on.isoformat()}}
        )
    ensure_not_locked(township_id=clinic.township_id, on=on)
    return on


def check_sale_date(*, clinic: Clinic, drug: Drug, on: date) -> None:
    """A drug cannot be sold before the clinic first bought it."""
    first = DrugPurchase.objects.filter(clinic=clinic, drug=drug).aggregate(first=Min("date"))["first"]
    if first is not None and on < first:
        raise ValidationError(
            {
                "date": _("销售日期不能早于%(drug)s在本卫生室的首次采购日期（%(d)s）。")
                % {"drug": drug.generic_name, "d": first.isoformat()}
            }
        )


_check_date = check_record_date


def _ensure_staff_scope(user: User | None, clinic: Clinic) -> None:
    if user is not None and not can_manage_clinic(user, clinic):
        raise ValidationError(
            {"clinic": _("您无权为“%(clinic)s”录入数据（不在您的管辖范围内）。") % {"clinic": clinic.name}}
        )


def _ensure_sale_scope(user: User | None, clinic: Clinic) -> None:
    if user is None:
        return
    scope = get_scope(user)
    if scope.is_doctor:
        if scope.clinic_id != clinic.pk:
            raise ValidationError({"clinic": _("只能录入本卫生室的销售。")})
        return
    _ensure_staff_scope(user, clinic)


# --------------------------------------------------------------------------- catalogue


@transaction.atomic
def save_drug(
    *,
    code: str,
    generic_name: str,
    dosage_form: str,
    specification: str,
    unit: str,
    category: str = Drug.Category.OTHER,
    active: bool = True,
    drug: Drug | None = None,
) -> Drug:
    """Create or update a catalogue entry; the pinyin initials are recomputed from the name."""
    values = {
        "code": (code or "").strip(),
        "generic_name": (generic_name or "").strip(),
        "dosage_form": (dosage_form or "").strip(),
        "specification": (specification or "").strip(),
        "unit": (unit or "").strip(),
    }
    labels = {
        "code": _("药品编码"),
        "generic_name": _("通用名"),
        "dosage_form": _("剂型"),
        "specification": _("规格"),
        "unit": _("单位"),
    }
    errors = {k: _("请填写%(label)s。") % {"label": labels[k]} for k, v in values.items() if not v}
    if category not in Drug.Category.values:
        errors["category"] = _("类别不正确。")
    if errors:
        raise ValidationError(errors)
    clash = Drug.objects.filter(code=values["code"])
    if drug is not None:
        clash = clash.exclude(pk=drug.pk)
    if clash.exists():
        raise ValidationError({"code": _("药品编码“%(code)s”已存在。") % {"code": values["code"]}})
    drug = drug or Drug()
    for key, value in values.items():
        setattr(drug, key, value)
    drug.category = category
    drug.active = active
    drug.pinyin_initials = pinyin_initials(drug.generic_name)
    drug.save()
    return drug


# --------------------------------------------------------------------------- purchases


@transaction.atomic
def record_purchase(
    *,
    clinic: Clinic,
    drug: object,
    on: date,
    batch_no: str,
    expiry: date | None,
    quantity: object,
    unit_price: object,
    user: User | None = None,
    today: date | None = None,
) -> DrugPurchase:
    """A purchase through the township; adds to the clinic's stock. ``user`` None: trusted (seed/command)."""
    _ensure_staff_scope(user, clinic)
    drug = _drug(drug)
    on = _check_date(clinic=clinic, on=on, today=today)
    quantity = _quantity(quantity, field_limits(DrugPurchase, "quantity"))
    unit_price = _money(unit_price, "unit_price", _("进价"), positive=True, limits=PURCHASE_PRICE_LIMITS)
    if not (batch_no or "").strip():
        raise ValidationError({"batch_no": _("请填写批号。")})
    if not isinstance(expiry, date):
        raise ValidationError({"expiry": _("请填写有效期。")})
    if expiry <= on:
        raise ValidationError({"expiry": _("有效期必须晚于采购日期。")})
    if expiry > MAX_DATE:
        raise ValidationError({"expiry": _("有效期不能晚于 %(d)s。") % {"d": MAX_DATE.isoformat()}})
    stock = _locked_stock(clinic=clinic, drug=drug, create_price=unit_price)
    assert stock is not None  # created above when missing
    if stock.quantity + quantity > STOCK_LIMITS.max_value:  # type: ignore[operator]  # an integer column has a max
        raise ValidationError({"quantity": _("数量太大：库存将超过 %(n)s，请核对。") % {"n": STOCK_LIMITS.max_value}})
    stock.quantity += quantity
    stock.last_purchase_price = unit_price
    stock.save(update_fields=["quantity", "last_purchase_price", "updated_at"])
    return DrugPurchase.objects.create(
        clinic=clinic,
        drug=drug,
        date=on,
        batch_no=batch_no.strip(),
        expiry=expiry,
        quantity=quantity,
        unit_price=unit_price,
        created_by=user,
    )


def _locked_stock(*, clinic: Clinic, drug: Drug, create_price: Decimal | None = None) -> DrugStock | None:
    if create_price is not None:
        DrugStock.objects.get_or_create(clinic=clinic, drug=drug, defaults={"last_purchase_price": create_price})
    return DrugStock.objects.select_for_update().filter(clinic=clinic, drug=drug).first()


# --------------------------------------------------------------------------- sales


@dataclass(frozen=True)
class SaleLine:
    drug: object
    quantity: object
    unit_price: object


def _sell(*, clinic: Clinic, line: SaleLine, on: date, user: User | None, source: str) -> DrugSale:
    drug = _drug(line.drug)
    quantity = _quantity(line.quantity, QUANTITY_LIMITS)
    unit_price = _money(line.unit_price, "unit_price", _("售价"), positive=True, limits=SALE_PRICE_LIMITS)
    check_sale_date(clinic=clinic, drug=drug, on=on)
    stock = _locked_stock(clinic=clinic, drug=drug)
    available = stock.quantity if stock else 0
    if stock is None or quantity > available:  # no stock row: nothing available (quantity > 0)
        raise ValidationError(
            {
                "quantity": _("%(drug)s库存不足：现有 %(have)s%(unit)s，本次销售 %(want)s%(unit)s。")
                % {"drug": drug.generic_name, "have": available, "want": quantity, "unit": drug.unit}
            }
        )
    cost = stock.last_purchase_price
    overcharge = max(Decimal(0), (unit_price - cost) * quantity).quantize(CENT, rounding=ROUND_HALF_UP)
    if overcharge >= Decimal(10) ** (OVERCHARGE_LIMITS.max_digits - OVERCHARGE_LIMITS.decimal_places):  # type: ignore[operator]  # a decimal column has both
        raise ValidationError({"unit_price": _("售价与数量过大，加价金额超出可记录的范围，请核对。")})
    stock.quantity -= quantity
    stock.save(update_fields=["quantity", "updated_at"])
    return DrugSale.objects.create(
        clinic=clinic,
        drug=drug,
        date=on,
        quantity=quantity,
        unit_price=unit_price,
        unit_cost=cost,
        overcharge=overcharge,
        source=source,
        created_by=user,
    )


@transaction.atomic
def record_sale(
    *,
    clinic: Clinic,
    drug: object,
    on: date,
    quantity: object,
    unit_price: object,
    user: User | None = None,
    source: str = DrugSale.Source.SINGLE,
    today: date | None = None,
) -> DrugSale:
    """One sale. Refused when stock would go below zero; flagged when priced above the purchase price."""
    _ensure_sale_scope(user, clinic)
    on = _check_date(clinic=clinic, on=on, today=today)
    return _sell(clinic=clinic, line=SaleLine(drug, quantity, unit_price), on=on, user=user, source=source)


@transaction.atomic
def record_daily_sales(
    *, clinic: Clinic, on: date, lines: list[SaleLine], user: User | None = None, today: date | None = None
) -> list[DrugSale]:
    """A day's sales as one summary: all lines are written, or none (errors name the line)."""
    _ensure_sale_scope(user, clinic)
    on = _check_date(clinic=clinic, on=on, today=today)
    if not lines:
        raise ValidationError(_("请至少填写一种药品。"))
    sales = []
    for number, line in enumerate(lines, start=1):
        try:
            sales.append(_sell(clinic=clinic, line=line, on=on, user=user, source=DrugSale.Source.DAILY))
        except ValidationError as exc:
            messages = joined_messages(exc)
            raise ValidationError(_("第 %(n)s 行：%(msg)s") % {"n": number, "msg": messages}) from None
    return sales
