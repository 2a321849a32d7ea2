"""Wagtail admin viewsets that respect the user's scope.

``ScopedModelViewSet`` narrows the listing and every single-object view (edit, delete, inspect,
history, usage, copy) through ``clinics.selectors.restrict``; an object outside the scope is a 404.
Foreign-key choices in its forms are narrowed the same way (``scoped_choices``).

Every listing exports what it shows (``?export=xlsx`` / ``?export=csv``, the "导出 Excel" / "导出 CSV"
buttons): the same scope, filters, search and order. A viewset that names an import-export resource
(``data_resource``) exports that resource's columns, so the file is also the import template of the
"从 Excel 导入" button; any other viewset exports the columns of its listing (``list_export`` when given).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.forms.models import modelform_factory
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button

from core import audit, dataio, spreadsheets
from core.forms import ServiceFormMixin, joined_messages
from core.scope import restrict
from core.validation import StrictDateField, StrictDecimalField, StrictIntegerField, limits_of
from core.versioning import Versioned, version_field

# (queryset, user) → the rows of the queryset in the user's scope.
ScopeQueryset: TypeAlias = Callable[[QuerySet[Any], Any], QuerySet[Any]]
# A service that saves a viewset's object: (*, user, instance, version) → the saved instance. ``version``
# is the one the edit form showed (None on create); the service checks it and refuses frozen data.
SaveService: TypeAlias = Callable[..., Any]
# A service that deletes one: (*, user, instance) → None; raises ValidationError to refuse.
DeleteService: TypeAlias = Callable[..., None]

if TYPE_CHECKING:  # what the mixins below are mixed into (Any: Wagtail has no type hints)
    from wagtail.admin.views.generic import EditView as _WagtailView
else:
    _WagtailView = object


def readable(value: Any) -> Any:
    """A value as staff read it: 是 / 否 for a yes-no field and "—" for an empty one, where Wagtail would print
    Python's True, False or None."""
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if value is None or value == "":
        return "—"
    return value


class ReadableColumn(Column):
    """A listing column that shows its cells through ``readable``; exports read ``get_value`` and keep the values
    themselves (``core.spreadsheets`` writes its own 是/否 and empty cells)."""

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["value"] = readable(context.get("value"))
        return context


class ScopedObjectMixin(_WagtailView):
    scope_queryset: ScopeQueryset = None  # type: ignore[assignment]  # given by the viewset (as_view kwargs)

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if obj is None:
            return obj
        allowed = self.scope_queryset(type(obj)._default_manager.filter(pk=obj.pk), self.request.user)
        if not allowed.exists():
            raise Http404
        return obj


class ScopedIndexView(generic.IndexView):
    scope_queryset: ScopeQueryset = None  # type: ignore[assignment]  # given by the viewset (as_view kwargs)
    data_resource: str | None = None
    list_select_related: tuple = ()

    def get_base_queryset(self):
        queryset = self.scope_queryset(super().get_base_queryset(), self.request.user)
        if self.list_select_related:
            queryset = queryset.select_related(*self.list_select_related)
        return queryset

    def _get_custom_column(self, field_name, column_class=Column, **kwargs):
        if column_class is Column:
            column_class = ReadableColumn
        return super()._get_custom_column(field_name, column_class, **kwargs)

    # Wagtail's own "Download XLSX / CSV" buttons are replaced by the Chinese ones below.
    show_export_buttons = False

    @cached_property
    def export_resource_class(self):
        return dataio.registry().get(self.data_resource) if self.data_resource else None

    @cached_property
    def may_export(self) -> bool:
        resource_class = self.export_resource_class
        return resource_class is None or dataio.user_may_export(self.request.user, resource_class)

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        resource_class = self.export_resource_class
        if resource_class is not None and dataio.user_may_import(self.request.user, resource_class):
            buttons.append(
                Button(
                    _("从 Excel 导入"),
                    url=reverse("data:import", args=[self.data_resource]),
                    icon_name="upload",
                    priority=60,
                )
            )
        if self.may_export:
            for fmt, label in (("xlsx", _("导出 Excel")), ("csv", _("导出 CSV"))):
                buttons.append(Button(label, url=self.get_export_url(fmt), icon_name="download", priority=70))
        return buttons

    def export_columns(self) -> list:
        """The listing's columns, or the ones named by ``list_export``; each has a label and a value."""
        if self.list_export:
            return [self._get_custom_column(name) for name in self.list_export]
        return [column for column in self.columns if getattr(column, "accessor", None) is not None]

    def export_headings_for(self, columns) -> list[str]:
        return [str(self.export_headings.get(column.name) or column.label) for column in columns]

    def as_spreadsheet(self, queryset, spreadsheet_format):
        """Called by Wagtail's IndexView for ``?export=``; ``queryset`` is the listing's own, unpaginated.

        Wagtail's own writer walks ``list_export`` only, which no viewset of ours sets (it is not derived from
        ``list_display``), yet still answers ``?export=``: one empty row per object. So the columns come from
        here, for every viewset at once."""
        resource_class = self.export_resource_class
        if resource_class is not None and self.data_resource:
            queryset = _with_relations_of(queryset, resource_class(user=self.request.user).get_queryset())
            content = dataio.export_bytes(
                resource_name=self.data_resource, fmt=spreadsheet_format, user=self.request.user, queryset=queryset
            )
            return spreadsheets.download(content, fmt=spreadsheet_format, name=self.data_resource)
        columns = self.export_columns()
        rows = ([column.get_value(instance) for column in columns] for instance in queryset)
        content = spreadsheets.to_bytes(self.export_headings_for(columns), rows, spreadsheet_format)
        return spreadsheets.download(content, fmt=spreadsheet_format, name=self.export_filename)


def _with_relations_of(queryset, other):
    """``queryset`` also joining / prefetching what ``other`` does (a resource's export follows relations the
    listing may not show), so that exporting stays a fixed number of queries."""
    related = other.query.select_related
    if related is True:
        queryset = queryset.select_related()
    elif isinstance(related, dict):

        def paths(tree, prefix=""):
            for name, subtree in tree.items():
                yield from paths(subtree, f"{prefix}{name}__") if subtree else [f"{prefix}{name}"]

        queryset = queryset.select_related(*paths(related))
    if other._prefetch_related_lookups:
        queryset = queryset.prefetch_related(*other._prefetch_related_lookups)
    return queryset


class ServiceSaveMixin(ServiceFormMixin, _WagtailView):
    """Create / edit views whose object is saved by the viewset's ``save_service`` (when it has one), so
    the service's rules (frozen data, the posted version) hold here as on every other path; its refusal
    shows on the form."""

    save_service: SaveService | None = None

    def form_invalid(self, form):
        # Wagtail sets this while validating; a service's refusal comes after a valid form.
        if getattr(self, "produced_error_message", None) is None:
            self.produced_error_message = self.get_error_message()
        return super().form_invalid(form)

    def save_instance(self):
        if self.save_service is None:
            return super().save_instance()
        instance = self.form.save(commit=False)
        version = self.form.cleaned_data.get("version") if instance.pk else None
        instance = self.save_service(user=self.request.user, instance=instance, version=version)
        self.form.save_m2m()
        self.has_content_changes = self.form.has_changed()
        return instance


class ScopedCreateView(ServiceSaveMixin, generic.CreateView):
    pass


class ScopedEditView(ServiceSaveMixin, ScopedObjectMixin, generic.EditView):
    """The edit page, with the object's change history (修改记录) under the form when its model is audited."""

    template_name = "core/admin/edit_with_history.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history_actions"] = audit.history_for(self.object, self.request.user)
        return context


class ScopedDeleteView(ScopedObjectMixin, generic.DeleteView):
    """Deletes through the viewset's ``delete_service`` when it has one; its refusal is a message."""

    delete_service: DeleteService | None = None

    def delete_action(self):
        if self.delete_service is None:
            return super().delete_action()
        self.delete_service(user=self.request.user, instance=self.object)
        return None

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as exc:
            messages.error(self.request, joined_messages(exc))
            return HttpResponseRedirect(self.request.path)


class ScopedInspectView(ScopedObjectMixin, generic.InspectView):
    def get_field_display_value(self, field_name, field):
        return readable(super().get_field_display_value(field_name, field))


class ScopedCopyView(ScopedObjectMixin, generic.CopyView):
    pass


class ScopedHistoryView(ScopedObjectMixin, history.HistoryView):
    """Wagtail's 历史 of an audited object is our change history (before and after of every field), not
    Wagtail's own log, whose entries say only "edited"."""

    def get_template_names(self):
        if self._history_actions is not None:
            return ["core/audit/history_results.html" if self.results_only else "core/admin/history.html"]
        return super().get_template_names()

    @cached_property
    def _history_actions(self):
        return audit.history_for(self.object, self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history_actions"] = self._history_actions
        return context


class ScopedUsageView(ScopedObjectMixin, usage.UsageView):
    pass


class ScopedModelForm(WagtailAdminModelForm):
    """Narrows foreign-key choices to the user's scope. ``scoped_choices`` maps a form field to
    a function (user) -> queryset, set by the viewset."""

    scoped_choices: dict = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" in self.fields:  # a Versioned model: the form posts the version it showed
            self.fields["version"].initial = self.instance.version
        user = self.for_user
        for name, queryset_for in self.scoped_choices.items():
            if name in self.fields and user is not None:
                self.fields[name].queryset = queryset_for(user)


class ScopedModelViewSet(ModelViewSet):
    """Set ``scope_paths`` (see ``clinics.selectors.restrict``) or override ``scope_queryset``."""

    scope_paths: dict = {}
    scoped_choices: dict = {}
    data_resource: str | None = None
    list_select_related: tuple = ()

    # Saving / deleting through a service (see ``ServiceSaveMixin``): set them with ``staticmethod(...)``.
    save_service: SaveService | None = None
    delete_service: DeleteService | None = None

    index_view_class = ScopedIndexView
    add_view_class: type = ScopedCreateView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    inspect_view_class = ScopedInspectView
    copy_view_class = ScopedCopyView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(scope_queryset=self.scope_queryset, **kwargs)

    def scope_queryset(self, queryset, user):
        return restrict(queryset, user, **self.scope_paths)

    # Only when set: a viewset's own view classes need not know these attributes.
    def get_add_view_kwargs(self, **kwargs):
        if self.save_service is not None:
            kwargs["save_service"] = self.save_service
        return super().get_add_view_kwargs(**kwargs)

    def get_edit_view_kwargs(self, **kwargs):
        if self.save_service is not None:
            kwargs["save_service"] = self.save_service
        return super().get_edit_view_kwargs(**kwargs)

    def get_delete_view_kwargs(self, **kwargs):
        if self.delete_service is not None:
            kwargs["delete_service"] = self.delete_service
        return super().get_delete_view_kwargs(**kwargs)

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            data_resource=self.data_resource, list_select_related=self.list_select_related, **kwargs
        )

    def formfield_for_dbfield(self, db_field, **kwargs):
        """Numbers and dates of the create / edit forms are parsed by ``core.validation`` within the column's
        limits, like the import and the portal: "１２", "²", "1e3" or 10**30 are a Chinese field error."""
        if not db_field.choices and not db_field.is_relation and not isinstance(db_field, models.AutoField):
            if isinstance(db_field, models.DecimalField):
                kwargs.setdefault("form_class", StrictDecimalField)
                kwargs.setdefault("limits", limits_of(db_field))
            elif isinstance(db_field, models.IntegerField):
                kwargs.setdefault("form_class", StrictIntegerField)
                kwargs.setdefault("limits", limits_of(db_field))
            elif isinstance(db_field, models.DateField) and not isinstance(db_field, models.DateTimeField):
                kwargs.setdefault("form_class", StrictDateField)
        return super().formfield_for_dbfield(db_field, **kwargs)

    def get_form_class(self, for_update=False):
        if self._edit_handler:
            return super().get_form_class(for_update)
        attrs: dict[str, Any] = {"scoped_choices": self.scoped_choices}
        if issubclass(self.model, Versioned):
            attrs["version"] = version_field()
        form = type("ScopedForm", (ScopedModelForm,), attrs)
        return modelform_factory(
            self.model,
            form=form,
            formfield_callback=self.formfield_for_dbfield,
            fields=self.get_form_fields(),
            exclude=self.get_exclude_form_fields(),
        )


class PermissionTemplateView(WagtailAdminTemplateMixin, TemplateView):
    """A custom admin page that needs one permission; its title is the last breadcrumb."""

    permission: str = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]
