from django.urls import path

from cms import files, views

app_name = "notices"
urlpatterns = [
    path("search/", views.search, name="search"),
    path("feed/", views.NoticeFeed(), name="feed"),
    path("<int:pk>/poster.pdf", views.poster, name="poster"),
    path("images/<path:name>", files.serve_image, name="image"),
]
