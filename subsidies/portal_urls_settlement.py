from django.urls import path

from subsidies import portal_settlement

app_name = "portal_settlement"
urlpatterns = [
    path("", portal_settlement.index, name="index"),
    path("<int:pk>/", portal_settlement.line, name="line"),
    path("<int:pk>/statement.pdf", portal_settlement.statement, name="statement"),
]
