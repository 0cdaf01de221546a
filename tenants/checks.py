"""System checks of the tenants app (run by ``manage.py check``; ``--deploy`` adds the deployment ones)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def signing_key_secret_is_set(app_configs, **kwargs):
    """Signing keys encrypted with a secret derived from SECRET_KEY are lost when SECRET_KEY changes,
    and anyone holding SECRET_KEY can decrypt them: production sets a secret of its own."""
    if settings.ACCORD_SIGNING_KEY_SECRET.strip():
        return []
    # An Info, not a Warning: the deployment works without it (the key is derived from SECRET_KEY), and
    # `check --deploy --fail-level WARNING` must pass with the minimal production settings (issue 16).
    # It is still printed by every `check --deploy`.
    return [
        checks.Info(
            "ACCORD_SIGNING_KEY_SECRET is not set: tenants' signing keys are encrypted with a key derived "
            "from SECRET_KEY.",
            hint="Set ACCORD_SIGNING_KEY_SECRET to a long random value and keep it with your backups; "
            "changing SECRET_KEY would otherwise make every stored signing key unreadable.",
            id="accord.I001",
        )
    ]
