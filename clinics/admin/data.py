"""Admin pages for Excel import (upload → preview of every bad row → confirm) and scoped export."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from clinics.forms import DownloadFormatForm, ImportConfirmForm, ImportJobActionForm, UploadForm
from clinics.models import ImportJob
from clinics.selectors import import_jobs_for
from clinics.services import fail_stale_import_jobs, import_upload_dir, retry_import_job
from clinics.tasks import check_import_job, job_path, run_import_job
from core import dataio, spreadsheets
from core.dataio.blank import blank_template
from core.files import serve_protected_file
from core.forms import joined_messages


def _upload_dir() -> Path:

    path = import_upload_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _resource_or_404(name: str):
    resource_class = dataio.registry().get(name)
    if resource_class is None:
        raise Http404
    return resource_class


class DataImportView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "clinics/admin/import.html"
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        self.resource_class = _resource_or_404(kwargs["resource"])
        if not dataio.user_may_import(request.user, self.resource_class):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("导入：%(model)s") % {"model": self.resource_class.data_name()}

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        resource = self.resource_class(user=self.request.user)
        context.setdefault("form", UploadForm())
        context["columns"] = resource.required_columns()
        context["all_columns"] = [f.column_name for f in resource.get_import_fields() if not f.readonly]
        context["template_url"] = self.request.path.replace("/import/", "/export/") + "?format=xlsx"
        context["blank_template_url"] = reverse("data:template", args=[self.resource_class.name])
        context["resource_name"] = self.resource_class.name
        return context

    def post(self, request, *args, **kwargs):
        confirm = ImportConfirmForm(request.POST)
        if confirm.is_valid() and confirm.cleaned_data["token"] is not None:
            return self._confirm(request, confirm.cleaned_data["token"])
        if confirm.errors:  # a token not of ours: nothing to confirm
            return self._confirm(request, None)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        upload = form.cleaned_data["file"]
        ext = Path(upload.name).suffix.lower()
        data = upload.read()
        threshold = self.resource_class.background_threshold
        dataset = None
        if threshold is not None and ext in dataio.SUPPORTED_EXTENSIONS:
            try:
                dataset = dataio.read_dataset(data, upload.name)
            except dataio.ImportFileError:
                dataset = None  # the synchronous check below reports the problem
            if dataset is not None and len(dataset) > threshold:
                return self._start_background(request, upload.name, ext, data, len(dataset))
        report = dataio.run_import(
            resource_name=self.resource_class.name,
            data=data,
            filename=upload.name,
            user=request.user,
            dry_run=True,
            dataset=dataset,
        )
        token = None
        if report.ok:
            token = f"{uuid.uuid4().hex}{ext}"
            (_upload_dir() / token).write_bytes(data)
        return self.render_to_response(self.get_context_data(report=report, token=token, filename=upload.name))

    def _start_background(self, request, filename, ext, data, rows):

        token = f"{uuid.uuid4().hex}{ext}"
        (_upload_dir() / token).write_bytes(data)
        job = ImportJob.objects.create(
            resource=self.resource_class.name,
            filename=filename[:200],
            stored_file=token,
            created_by=request.user,
            total_rows=rows,
        )
        check_import_job.enqueue(job.pk)
        return redirect("data:job", pk=job.pk)

    def _confirm(self, request, token: str | None):
        path = _upload_dir() / token if token else None
        if path is None or not path.exists():
            messages.error(request, _("预览已过期，请重新上传文件。"))
            return redirect(request.path)
        data = path.read_bytes()
        report = dataio.run_import(
            resource_name=self.resource_class.name, data=data, filename=path.name, user=request.user, dry_run=False
        )
        path.unlink(missing_ok=True)
        if not report.ok:
            return self.render_to_response(self.get_context_data(report=report, token=None, filename=""))
        messages.success(
            request,
            _("导入完成：新增 %(new)s 条，更新 %(updated)s 条。") % {"new": report.new, "updated": report.updated},
        )
        return redirect(request.path)


class DataExportView(View):
    def get(self, request, resource):
        resource_class = _resource_or_404(resource)
        if not dataio.user_may_export(request.user, resource_class):
            raise PermissionDenied
        fmt = DownloadFormatForm(request.GET, formats=("xlsx", "csv")).chosen()
        try:
            content = dataio.export_bytes(resource_name=resource, fmt=fmt, user=request.user, params=request.GET)
        except dataio.ImportFileError as exc:
            # Invalid listing filters (hand-edited query string): nothing to download, say why.
            raise Http404(str(exc)) from None
        return spreadsheets.download(content, fmt=fmt, name=resource)


class BlankTemplateView(View):
    """The resource's blank template (空白模板): headers, dropdowns, a sheet of instructions and the codes of the
    user's own scope (core.dataio.blank) — for anyone who may import it."""

    def get(self, request, resource):
        resource_class = _resource_or_404(resource)
        if not dataio.user_may_import(request.user, resource_class):
            raise PermissionDenied
        content = blank_template(resource_class, user=request.user)
        return spreadsheets.file_response(content, fmt="xlsx", filename=f"{resource}-template.xlsx")


class ImportJobView(WagtailAdminTemplateMixin, TemplateView):
    """Progress of a background import, seen within the uploader's scope (``import_jobs_for``); only
    the uploader confirms it."""

    template_name = "clinics/admin/import_job.html"
    header_icon = "upload"
    job: ImportJob

    def dispatch(self, request, *args, **kwargs):

        fail_stale_import_jobs(now=timezone.now())  # a job whose worker died shows as failed, retryable
        job = import_jobs_for(request.user).filter(pk=kwargs["pk"]).first()
        if job is None:
            raise Http404
        self.job = job
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("后台导入：%(file)s") % {"file": self.job.filename}

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get(self, request, *args, **kwargs):
        if DownloadFormatForm(request.GET, formats=("html", "json")).chosen() == "json":
            return JsonResponse(
                {
                    "state": self.job.state,
                    "percent": self.job.percent,
                    "processed": self.job.processed_rows,
                    "total": self.job.total_rows,
                }
            )
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):

        if self.job.created_by_id != request.user.pk:
            raise PermissionDenied
        form = ImportJobActionForm(request.POST)
        action = (form.cleaned_data["action"] or "confirm") if form.is_valid() else None
        if action == "retry":
            try:
                retry_import_job(job=self.job)
            except ValidationError as exc:
                messages.error(request, joined_messages(exc))
        elif action == "confirm" and self.job.state == ImportJob.State.CHECKED and not _job_file_exists(self.job):
            messages.error(request, _("上传的文件已超过保留期限被删除，请重新上传。"))
        # Conditional, so a double click queues one import.
        elif action == "confirm" and ImportJob.objects.filter(pk=self.job.pk, state=ImportJob.State.CHECKED).update(
            state=ImportJob.State.IMPORTING, processed_rows=0, heartbeat_at=None
        ):
            run_import_job.enqueue(self.job.pk)
        return redirect("data:job", pk=self.job.pk)

    def get_context_data(self, **kwargs):

        context = super().get_context_data(**kwargs)
        context["job"] = self.job
        context["running"] = self.job.state in ImportJob.RUNNING_STATES
        context["has_file"] = _job_file_exists(self.job)
        context["may_confirm"] = self.job.created_by_id == self.request.user.pk
        context["retry_form"] = ImportJobActionForm(initial={"action": "retry"})
        context["confirm_form"] = ImportJobActionForm(initial={"action": "confirm"})
        return context


def _job_file_exists(job) -> bool:

    return bool(job.stored_file) and job_path(job).is_file()


class ImportJobFileView(View):
    """The file a background import was uploaded as, within the uploader's scope."""

    def get(self, request, pk):

        job = import_jobs_for(request.user).filter(pk=pk).first()
        if job is None or not _job_file_exists(job):
            raise Http404
        return serve_protected_file(request, f"imports/{job.stored_file}", job.filename)
