from clinics.selectors import get_scope


def user_scope(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"user_scope": get_scope(user)}
