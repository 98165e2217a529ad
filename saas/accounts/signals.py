"""Web logins and logouts go to the audit log like every other write (they create and end sessions)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from saas.audit.services import record


@receiver(user_logged_in, dispatch_uid="audit_login")
def audit_login(sender, request, user, **kwargs):
    record(actor=user, action="auth.login", target=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record(actor=user, action="auth.logout", target=user)
