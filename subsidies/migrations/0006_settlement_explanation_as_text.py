"""Settlement lines: keep the explanation as a JSON document in a text column instead of jsonb.

The explanation is written once and read whole; PostgreSQL takes text in about twice as fast as jsonb
(a province run writes 30,000 of them). Changing the type resets the column's compression, so lz4 is set
again where available (as in 0005)."""

from importlib import import_module

from django.db import migrations

import subsidies.fields

compression = import_module("subsidies.migrations.0005_settlement_explanation_lz4").set_compression


class Migration(migrations.Migration):
    dependencies = [("subsidies", "0005_settlement_explanation_lz4")]

    operations = [
        migrations.AlterField(
            model_name="settlementline",
            name="explanation",
            field=subsidies.fields.JSONDocumentField(default=dict, verbose_name="计算过程"),
        ),
        migrations.RunPython(compression("lz4"), compression("pglz"), elidable=False),
    ]
