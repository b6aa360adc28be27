from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from .models import User


class UserForm(forms.ModelForm):
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(render_value=False), required=False,
        help_text=password_validators_help_text_html(),
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role", "language",
                  "email_notifications", "is_active"]

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.actor = user
        if self.instance.pk is None:
            self.fields["password"].required = True
            del self.fields["is_active"]
        else:
            self.fields["username"].disabled = True
            self.fields["password"].help_text = _("Leave empty to keep the current password.")

    def _post_clean(self) -> None:
        # The service validates the whole user (firm, password rules); the form checks fields.
        pass

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        taken = User.objects.filter(username__iexact=username).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("This username is taken."))
        return username


class SettingsImportForm(forms.Form):
    file = forms.FileField(label=_("Exported settings (JSON)"))
