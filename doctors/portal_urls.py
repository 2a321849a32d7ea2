app_name = "portal_doctors"
urlpatterns = []
