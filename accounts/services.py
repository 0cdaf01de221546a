from accounts.models import User


def ensure_user(*, email: str, password: str | None = None, full_name: str = "") -> User:
    """The user with this email (in any case), created when new. A given password is set and a missing
    full name filled in; nothing else changes. Idempotent."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        return User.objects.create_user(email=email, password=password, full_name=full_name)
    if password:
        user.set_password(password)
    if full_name and not user.full_name:
        user.full_name = full_name
    user.save(update_fields=["password", "full_name"])
    return user
