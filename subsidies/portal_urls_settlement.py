app_name = "portal_settlement"
urlpatterns = []
