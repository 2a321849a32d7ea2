app_name = "portal_drugs"
urlpatterns = []
