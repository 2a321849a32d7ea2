from django.urls import path
from django.views.generic import RedirectView

from cms import files, views

app_name = "notices"
urlpatterns = [
    # The notices are listed on the site's home page (each county's index is linked from there).
    path("", RedirectView.as_view(url="/", permanent=False), name="index"),
    path("search/", views.search, name="search"),
    path("feed/", views.NoticeFeed(), name="feed"),
    path("<int:pk>/poster.pdf", views.poster, name="poster"),
    path("images/<path:name>", files.serve_image, name="image"),
]
