from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from saas.accounts.services import login_check
from saas.api.errors import DomainError
from tenants.models import Client


class ThrottledLoginForm(AuthenticationForm):
    """Django's login form, checked through the same throttled login as the API."""

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username and password:
            try:
                self.user_cache = login_check(
                    username=username, password=password, address=self.request.META.get("REMOTE_ADDR", "")
                )
            except DomainError as error:
                raise ValidationError(str(error.message), code=error.code) from error
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ClientForm(forms.Form):
    """The fields of a new client enterprise; validation is the service's, shared with the API."""

    locals().update(forms.fields_for_model(Client, fields=["slug", "legal_name", "uscc", "business_type"]))
    admin_username = forms.RegexField(label=_("First admin's username"), regex=r"^[\w.@+-]{3,150}$",
                                      initial="admin", max_length=150, required=False)

    def clean_admin_username(self) -> str:
        return self.cleaned_data["admin_username"] or "admin"

    def add_domain_error(self, error: DomainError) -> None:
        if error.details:
            for field, messages in error.details.items():
                self.add_error(field if field in self.fields else None, messages)
        else:
            field = {"slug_taken": "slug", "uscc_taken": "uscc"}.get(error.code)
            self.add_error(field, str(error.message))
