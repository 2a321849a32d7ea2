app_name = "portal_assessments"
urlpatterns = []
