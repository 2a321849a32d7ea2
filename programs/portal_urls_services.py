app_name = "portal_services"
urlpatterns = []
