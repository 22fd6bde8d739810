from staff.permissions import user_role


def role(request):
    """The signed-in member of staff's role, for navigation that depends on it."""
    return {"role": user_role(request.user) if hasattr(request, "user") else None}
