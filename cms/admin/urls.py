"""The staff admin pages of cms that are not viewsets, as (patterns, namespace) pairs;
``wagtail_hooks.register_admin_urls`` mounts them under /admin/."""

from django.urls import path

from cms.admin.receipts import ReceiptDetailView, ReceiptListView, UnreadExportView

receipts = (
    [
        path("receipts/", ReceiptListView.as_view(), name="list"),
        path("receipts/<int:pk>/", ReceiptDetailView.as_view(), name="detail"),
        path("receipts/<int:pk>/unread.xlsx", UnreadExportView.as_view(), name="unread_export"),
    ],
    "receipts",
)
