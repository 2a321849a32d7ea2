"""The village-doctor portal: the shell every app's portal pages use.

``doctor_required`` is the gate of every portal view: a logged-in village doctor whose clinic
is in scope; anyone else gets 403 (anonymous users go to the login page). Its answers name the user in
``X-Portal-User`` (the offline portal's cache is kept per user).
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from clinics.models import Clinic
from clinics.selectors import get_scope


def doctor_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        scope = get_scope(request.user)
        if not scope.is_doctor or scope.clinic_id is None:
            raise PermissionDenied
        request.clinic = Clinic.objects.select_related("township__county").get(pk=scope.clinic_id)
        response = view(request, *args, **kwargs)
        # Whose page this is: the offline portal's worker keeps pages in one cache per user and drops the
        # others when another user's page arrives (static/js/portal-sw.js).
        response["X-Portal-User"] = str(request.user.pk)
        return response

    return wrapper
