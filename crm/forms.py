"""Staff forms of the crm pages. They parse input only: each view hands the cleaned data to a
crm service, which validates the whole record (full_clean, firm checks) and saves it.

Every form takes the logged-in `user`: foreign keys offer only rows of the user's firm (and,
where the role scope narrows what the user reaches, only those rows).
"""


from django import forms
from django.db import models
from django.forms import formset_factory, inlineformset_factory
from django.utils.translation import gettext_lazy as _

from core.choices import Role
from core.forms import (
    DirectionsMixin,
    StaffModelForm,
    firm_users,
)
from core.models import User
from core.registry import activity_entities
from core.scoping import scope_for

from .choices import CampaignStatus, LeadStatus
from .models import (
    Activity,
    Campaign,
    Case,
    Customer,
    CustomerAddress,
    CustomerContact,
    CustomerGroup,
    Lead,
    Pipeline,
    SalesPerson,
    SalesTeam,
    Stage,
    Territory,
)


def own_rows_only(user: User) -> bool:
    """A sales person reaches only their own customers, leads and campaigns (crm.querysets)."""
    return user.role == Role.SALES_PERSON



# --- customers ---------------------------------------------------------------------------


class CustomerForm(StaffModelForm):
    fieldsets = [
        (_("Customer"), ["code", "name", "name_ar", "type", "vat_number", "email", "phone"]),
        (_("Sales"), ["customer_group", "territory", "owner", "source", "credit_limit",
                      "default_price_list", "payment_terms", "is_active"]),
        (_("Notes"), ["notes", "notes_ar"]),
    ]

    class Meta:
        model = Customer
        fields = ["code", "name", "name_ar", "type", "vat_number", "email", "phone",
                  "customer_group", "territory", "owner", "source", "credit_limit",
                  "default_price_list", "payment_terms", "notes", "notes_ar", "is_active"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}),
                   "notes_ar": forms.Textarea(attrs={"rows": 3, "dir": "rtl"}),
                   "name_ar": forms.TextInput(attrs={"dir": "rtl"})}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["code"].required = False
        self.fields["code"].help_text = _("Left empty, the next customer number is used.")
        if own_rows_only(user):
            # A sales person reaches only the customers they own: the view makes a new one
            # theirs, and the owner of an existing one is not theirs to change.
            del self.fields["owner"]
        elif self.instance.pk is None:
            self.initial.setdefault("owner", user.pk)


# The service's row keys (the inline formsets add the customer to their forms' fields).
ADDRESS_FIELDS = ["kind", "line1", "line1_ar", "line2", "city", "city_ar", "region",
                  "postal_code", "country", "is_default"]
CONTACT_FIELDS = ["name", "name_ar", "job_title", "email", "phone", "is_primary"]


class AddressForm(DirectionsMixin, forms.ModelForm):
    class Meta:
        model = CustomerAddress
        fields = list(ADDRESS_FIELDS)
        widgets = {"line1_ar": forms.TextInput(attrs={"dir": "rtl"}),
                   "city_ar": forms.TextInput(attrs={"dir": "rtl"})}


class ContactForm(DirectionsMixin, forms.ModelForm):
    class Meta:
        model = CustomerContact
        fields = list(CONTACT_FIELDS)
        widgets = {"name_ar": forms.TextInput(attrs={"dir": "rtl"})}


AddressFormSet = inlineformset_factory(Customer, CustomerAddress, form=AddressForm, extra=1,
                                       can_delete=True)
ContactFormSet = inlineformset_factory(Customer, CustomerContact, form=ContactForm, extra=1,
                                       can_delete=True)


# --- leads -------------------------------------------------------------------------------


class LeadForm(StaffModelForm):
    fieldsets = [
        (_("Contact"), ["first_name", "last_name", "company", "job_title", "email", "phone",
                        "is_vip"]),
        (_("Qualification (BANT)"), ["budget", "authority", "need", "timeline"]),
        (_("Value"), ["estimated_value", "actual_value", "probability",
                      "expected_close_date", "next_follow_up_date"]),
        (_("Source"), ["source", "referrer", "campaign"]),
        (_("Intake"), ["practice_area", "case_type", "opposing_party", "intake_notes"]),
        (_("Pipeline"), ["pipeline", "stage", "assigned_to"]),
    ]

    class Meta:
        model = Lead
        fields = ["first_name", "last_name", "company", "job_title", "email", "phone",
                  "is_vip", "budget", "authority", "need", "timeline", "estimated_value",
                  "actual_value", "probability", "expected_close_date",
                  "next_follow_up_date", "source", "referrer", "campaign", "practice_area",
                  "case_type", "opposing_party", "intake_notes", "pipeline", "stage",
                  "assigned_to"]
        widgets = {"intake_notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        campaigns = Campaign.objects.alive().filter(firm_id=user.firm_id)
        if self.instance.campaign_id:
            campaigns = Campaign.objects.filter(firm_id=user.firm_id).filter(
                models.Q(deleted_at__isnull=True) | models.Q(pk=self.instance.campaign_id))
        self.fields["campaign"].queryset = campaigns
        self.fields["pipeline"].queryset = Pipeline.objects.filter(
            firm_id=user.firm_id).filter(
            models.Q(is_active=True) | models.Q(pk=self.instance.pipeline_id or 0))
        self.fields["pipeline"].help_text = _("Left empty, the default pipeline is used.")
        if self.instance.pk is not None:
            # Stage and assignee change through the board and the assign action.
            del self.fields["stage"], self.fields["assigned_to"]
            return
        self.fields["stage"].queryset = Stage.objects.filter(
            firm_id=user.firm_id).select_related("pipeline").order_by("pipeline", "order")
        self.fields["stage"].label_from_instance = lambda stage: f"{stage.pipeline} · {stage}"
        self.fields["stage"].help_text = _("Left empty, the pipeline's first stage.")
        if user.has_perm("crm.assign_lead"):
            self.initial.setdefault("assigned_to", user.pk)
        else:
            del self.fields["assigned_to"]  # the view gives the lead to its creator


class TeamMemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Team member"), queryset=User.objects.none())
    split_percent = forms.DecimalField(label=_("Split (%)"), required=False, min_value=0,
                                       max_value=100, decimal_places=4)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = firm_users(user)


TeamMemberFormSet = formset_factory(TeamMemberForm, extra=1, can_delete=True)


class LeadActivityForm(DirectionsMixin, forms.Form):
    """Log an activity on the lead's page (the lead is the URL's)."""

    type = forms.ChoiceField(label=_("Type"), choices=Activity._meta.get_field("type").choices)
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    outcome = forms.ChoiceField(label=_("Outcome"), required=False, choices=[
        ("", "—"), *Activity._meta.get_field("outcome").choices])
    duration = forms.IntegerField(label=_("Duration (minutes)"), required=False, min_value=0)
    notes = forms.CharField(label=_("Notes"), required=False,
                            widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)


class AssignForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Assign to"), queryset=User.objects.none(),
                                  required=False, empty_label=_("Nobody"))

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = firm_users(user)


class MoveForm(forms.Form):
    stage = forms.ModelChoiceField(label=_("Move to"), queryset=Stage.objects.none())

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].queryset = Stage.objects.filter(firm_id=user.firm_id)


# --- activities --------------------------------------------------------------------------


class ActivityForm(StaffModelForm):
    fieldsets = [
        (_("Activity"), ["type", "entity_type", "entity_id", "subject", "performed_at",
                         "duration", "outcome"]),
        (_("Follow-up"), ["due_date", "completed_at", "notes"]),
    ]

    class Meta:
        model = Activity
        fields = ["type", "entity_type", "entity_id", "subject", "performed_at", "duration",
                  "outcome", "notes", "due_date", "completed_at"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["performed_at"].required = False
        self.fields["performed_at"].help_text = _("Left empty: now.")
        if self.instance.pk is not None:
            # An activity stays on the record it was logged on (activity_update).
            del self.fields["entity_type"], self.fields["entity_id"]
        else:
            self.fields["entity_type"].choices = [
                (value, label) for value, label in self.fields["entity_type"].choices
                if value in activity_entities()]

    def clean(self) -> dict:
        data = super().clean()
        model = activity_entities().get(data.get("entity_type"))
        entity_id = data.get("entity_id")
        reachable = model is not None and entity_id and scope_for(
            model.objects.all(), user=self.user).filter(pk=entity_id).exists()
        if "entity_type" in self.fields and model is not None and entity_id and not reachable:
            self.add_error("entity_id", _("No such record that you can reach."))
        return data


# --- campaigns, cases --------------------------------------------------------------------


class CampaignForm(StaffModelForm):
    url = forms.URLField(label=_("URL"), required=False, assume_scheme="https")

    class Meta:
        model = Campaign
        fields = ["title", "platform", "type", "url", "sales_person", "budget", "start_date",
                  "end_date", "status"]

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        people = SalesPerson.objects.filter(firm_id=user.firm_id).select_related("user")
        if own_rows_only(user):
            people = people.filter(user=user)  # a sales person runs their own campaigns
        self.fields["sales_person"].queryset = people
        self.fields["status"].choices = [
            (value, label) for value, label in self.fields["status"].choices
            if value != CampaignStatus.DELETED]
        if self.instance.pk is not None:
            self.fields["sales_person"].disabled = True
            self.fields["sales_person"].help_text = _(
                "A campaign's sales person cannot be changed.")


class CaseForm(StaffModelForm):
    related_entities = forms.CharField(
        label=_("Related entities"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One name per line: companies or people tied to the case."))

    class Meta:
        model = Case
        fields = ["title", "customer", "lead", "practice_area", "case_type", "status"]

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["customer"].queryset = scope_for(Customer.objects.all(), user=user)
        self.fields["lead"].queryset = scope_for(Lead.objects.all(), user=user)
        if self.instance.pk is not None:
            self.initial["related_entities"] = "\n".join(self.instance.related_entities or [])

    def clean_related_entities(self) -> list[str]:
        text = self.cleaned_data.get("related_entities") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class PartyForm(DirectionsMixin, forms.Form):
    name = forms.CharField(label=_("Party"), max_length=200)
    role = forms.CharField(label=_("Role"), max_length=100, required=False)

    def __init__(self, *args, user: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)


PartyFormSet = formset_factory(PartyForm, extra=2, can_delete=True)


# --- sales organisation, reference data ----------------------------------------------------


class SalesTeamForm(StaffModelForm):
    class Meta:
        model = SalesTeam
        fields = ["name", "name_ar", "manager", "is_active"]
        widgets = {"name_ar": forms.TextInput(attrs={"dir": "rtl"})}


class SalesPersonForm(StaffModelForm):
    class Meta:
        model = SalesPerson
        fields = ["user", "team", "territory", "commission_rate", "is_active"]

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, user=user, **kwargs)
        if self.instance.pk is not None:
            self.fields["user"].disabled = True  # a profile belongs to one user for good
        else:
            # A user has one sales profile: offer those without one.
            self.fields["user"].queryset = self.fields["user"].queryset.filter(
                sales_person__isnull=True)


class CustomerGroupForm(StaffModelForm):
    class Meta:
        model = CustomerGroup
        fields = ["name", "name_ar", "description"]
        widgets = {"name_ar": forms.TextInput(attrs={"dir": "rtl"}),
                   "description": forms.Textarea(attrs={"rows": 3})}


class TerritoryForm(StaffModelForm):
    class Meta:
        model = Territory
        fields = ["code", "name", "name_ar"]
        widgets = {"name_ar": forms.TextInput(attrs={"dir": "rtl"})}


class PipelineForm(StaffModelForm):
    class Meta:
        model = Pipeline
        fields = ["name", "name_ar", "is_default", "is_active"]
        widgets = {"name_ar": forms.TextInput(attrs={"dir": "rtl"})}


class StageForm(DirectionsMixin, forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Stage"), max_length=120)
    name_ar = forms.CharField(label=_("Arabic name"), max_length=120, required=False,
                              widget=forms.TextInput(attrs={"dir": "rtl"}))
    probability = forms.DecimalField(label=_("Probability (%)"), min_value=0, max_value=100,
                                     decimal_places=4, initial=0)
    status = forms.ChoiceField(label=_("Lead status"), required=False,
                               choices=[("", "—"), *LeadStatus.choices])

    def __init__(self, *args, user: User | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)


StageFormSet = formset_factory(StageForm, extra=1, can_delete=True, can_order=True)
STAGE_FIELDS = ["name", "name_ar", "probability", "status"]
