"""Organisation tiles: clinics and service population in the user's scope."""

from django.db.models import Count, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from clinics.models import Clinic, ClinicPopulation
from clinics.selectors import active_clinic_counts, clinic_counts_by_county, resident_population_by_county
from core.charts import hbar_chart
from core.dashboard import Cell, CountyColumn, Tile, TownshipColumn, amount_cell


def staff_tiles(*, user, townships, today):
    ids = [t.pk for t in townships]
    counts = dict(
        Clinic.objects.filter(township_id__in=ids, status=Clinic.Status.ACTIVE)
        .values("township_id")
        .annotate(n=Count("id"))
        .values_list("township_id", "n")
    )
    population = ClinicPopulation.objects.filter(clinic__township_id__in=ids, year=today.year).aggregate(
        total_resident=Sum("resident"), aged=Sum("aged_65_plus"), children=Sum("children_0_6")
    )
    total = sum(counts.values())
    tiles = [
        Tile(
            title=_("在运行的村卫生室"),
            value=str(total),
            url=reverse("clinic:index"),
            order=10,
            detail=_("%(n)s 个乡镇") % {"n": len(townships)},
            chart=hbar_chart([(t.name, counts.get(t.pk, 0)) for t in townships]) if len(townships) > 1 else "",
        )
    ]
    tiles.append(
        Tile(
            title=_("服务人口（%(year)s 年）") % {"year": today.year},
            order=11,
            value=f"{population['total_resident'] or 0:,}",
            url=reverse("clinicpopulation:index"),
            detail=_("65岁及以上 %(aged)s 人，0-6岁儿童 %(children)s 人")
            % {"aged": f"{population['aged'] or 0:,}", "children": f"{population['children'] or 0:,}"},
        )
    )
    return tiles


def township_columns(*, user, townships, today):
    ids = [t.pk for t in townships]
    counts = active_clinic_counts(user, township_ids=ids)
    url = reverse("clinic:index")
    return [
        TownshipColumn(
            title=_("在运行的村卫生室"),
            order=10,
            help=_("状态为“运行中”的村卫生室个数。"),
            cells={t: Cell(str(counts.get(t, 0)), f"{url}?township={t}&status=active") for t in ids},
            total=Cell(str(sum(counts.values())), url + "?status=active"),
        )
    ]


def county_columns(*, user, counties, year, through_month, today):
    """Per county: clinics in operation now, and the resident population they serve, year on year."""
    ids = [c.pk for c in counties]
    clinics = clinic_counts_by_county(user, county_ids=ids)
    population = resident_population_by_county(user, county_ids=ids, year=year)
    before = resident_population_by_county(user, county_ids=ids, year=year - 1)
    return [
        CountyColumn(
            title=_("在运行的村卫生室"),
            order=10,
            cells={
                c: Cell(str(clinics.get(c, (0, 0))[0]), detail=_("%(n)s 个乡镇") % {"n": clinics.get(c, (0, 0))[1]})
                for c in ids
            },
            total=Cell(str(sum(n for n, _t in clinics.values()))),
        ),
        CountyColumn(
            title=_("服务人口"),
            order=11,
            help=_("各村卫生室%(y)s年登记的常住人口之和。") % {"y": year},
            cells={c: amount_cell(population.get(c), before.get(c)) for c in ids},
            total=amount_cell(
                sum(population.values()) if population else None, sum(before.values()) if before else None
            ),
        ),
    ]
