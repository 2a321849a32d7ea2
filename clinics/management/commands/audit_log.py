"""``manage.py audit_log --model APP.MODEL --id N [--json]``: the change history of one object (and of the rows
shown on its page, e.g. a report's lines) — time, user, object, field, before, after, reason, source — oldest
first, for scripts and support."""

from __future__ import annotations

import json

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from clinics import audit


class Command(BaseCommand):
    help = "Print the change history of one object (修改记录)."

    def add_arguments(self, parser):
        parser.add_argument("--model", required=True, help="app_label.ModelName, e.g. subsidies.SubsidyPolicy")
        parser.add_argument("--id", required=True, type=int, dest="pk")
        parser.add_argument("--json", action="store_true", dest="as_json", help="one JSON document (a list of actions)")

    def handle(self, *args, model, pk, as_json: bool = False, **options):
        try:
            model_class = apps.get_model(model)
        except (LookupError, ValueError):
            raise CommandError(
                _("没有这种数据：%(model)s（格式：应用.模型，如 subsidies.SubsidyPolicy）") % {"model": model}
            )
        if model_class not in audit.AUDITED:
            raise CommandError(_("%(model)s 不在修改记录的范围内。") % {"model": model})
        actions = list(reversed(audit.describe(list(audit.entries_of_trusted(model_class, pk)))))
        if as_json:
            self.stdout.write(_as_json(actions))
            return
        if not actions:
            self.stdout.write(_("没有修改记录。"))
            return
        for action in actions:
            head = f"{timezone.localtime(action.timestamp):%Y-%m-%d %H:%M:%S}  {action.actor}"
            if action.source:
                head += f"  [{action.source}]"
            self.stdout.write(head)
            if action.reason:
                self.stdout.write(f"  {_('原因')}：{action.reason}")
            for view in action.entries:
                self.stdout.write(f"  {view.action} {view.kind}：{view.label}")
                for change in view.changes:
                    self.stdout.write(f"    {change.label}：{change.before} → {change.after}")


def _as_json(actions) -> str:
    data = [
        {
            "time": timezone.localtime(action.timestamp).isoformat(),
            "user": action.actor,
            "reason": action.reason,
            "source": action.source,
            "changes": [
                {
                    "model": view.entry.content_type.model_class()._meta.label
                    if view.entry.content_type.model_class()
                    else "",
                    "id": view.entry.object_id,
                    "object": view.label,
                    "action": view.action,
                    "fields": [
                        {"field": c.name, "label": c.label, "before": c.before, "after": c.after} for c in view.changes
                    ],
                }
                for view in action.entries
            ],
        }
        for action in actions
    ]
    return json.dumps(data, ensure_ascii=False, indent=2)
