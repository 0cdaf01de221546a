"""Forms of the ticket pages. They validate input only; writes go through ``tickets.services``."""

from django import forms
from django.urls import reverse

from clients.models import Client, Contact, Site
from contracts.coverage import WorkType
from service_levels.forms import DurationField
from service_levels.models import Level, Priority, WorkLocation
from service_levels.selectors import active_issue_types
from tenants.forms import StyledFormMixin
from tickets.models import Channel, TicketStatus
from tickets.selectors import staff_users

STAFF_CHANNELS = [
    (Channel.STAFF, "Phone or in person"),
    (Channel.EMAIL, "Email"),
]


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_full_name()


class TicketForm(StyledFormMixin, forms.Form):
    """A new ticket. The client's sites and contacts fill in once a client is chosen (htmx)."""

    client = forms.ModelChoiceField(queryset=Client.objects.none(), empty_label="Choose a client…")
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(), required=False, empty_label="No particular site"
    )
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.none(), required=False, empty_label="No particular contact",
        label="Reported by",
    )  # fmt: skip
    title = forms.CharField(
        max_length=200, label="What is wrong", help_text="A few words, e.g. “No picture on the lounge TV”."
    )
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, label="Details")
    issue_type = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Not in the catalog", label="Issue type",
        help_text="From the issue catalog; decides remote or on-site and whether a visit is promised.",
    )  # fmt: skip
    impact = forms.ChoiceField(choices=Level.choices, initial=Level.MEDIUM, help_text="How much is affected.")
    urgency = forms.ChoiceField(choices=Level.choices, initial=Level.MEDIUM, help_text="How soon it hurts.")
    work_location = forms.ChoiceField(
        choices=WorkLocation.choices, initial=WorkLocation.REMOTE, label="Remote or on-site"
    )
    channel = forms.ChoiceField(choices=STAFF_CHANNELS, initial=Channel.STAFF, label="Reported by way of")
    assignee = StaffChoiceField(queryset=None, required=False, empty_label="Nobody yet", label="Assign to")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = Client.objects.filter(archived_at__isnull=True).order_by("name")
        self.fields["issue_type"].queryset = active_issue_types()
        self.fields["assignee"].queryset = staff_users()
        client_id = self.data.get("client") or self.initial.get("client")
        self.set_client(client_id)
        hints = {
            "hx-get": reverse("tickets:form_hints"), "hx-target": "#priority-hint", "hx-trigger": "change",
            "hx-include": "#id_impact, #id_urgency, #id_issue_type",
        }  # fmt: skip
        for name in ("impact", "urgency", "issue_type"):
            self.fields[name].widget.attrs.update(hints)
        self.fields["client"].widget.attrs.update({
            "hx-get": reverse("tickets:client_fields"), "hx-target": "#client-fields", "hx-trigger": "change",
        })  # fmt: skip

    def set_client(self, client_id):
        client_id = getattr(client_id, "pk", client_id)
        if client_id and str(client_id).isdigit():
            self.fields["site"].queryset = Site.objects.filter(client_id=client_id, archived_at__isnull=True)
            self.fields["contact"].queryset = Contact.objects.filter(
                client_id=client_id, archived_at__isnull=True
            )


class ReplyForm(StyledFormMixin, forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Message", max_length=20000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].error_messages["required"] = "Write something first."


S = TicketStatus
# The step that usually comes next, offered first.
NEXT_STATUS = {
    S.NEW: S.ACKNOWLEDGED, S.ACKNOWLEDGED: S.IN_PROGRESS, S.IN_PROGRESS: S.RESOLVED,
    S.WAITING_ON_CLIENT: S.IN_PROGRESS, S.SCHEDULED: S.IN_PROGRESS, S.RESOLVED: S.CLOSED,
    S.CLOSED: S.REOPENED, S.REOPENED: S.IN_PROGRESS,
}  # fmt: skip


class StatusForm(StyledFormMixin, forms.Form):
    status = forms.ChoiceField(choices=TicketStatus.choices, label="New status")

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, **kwargs)
        if ticket.status == TicketStatus.CLOSED:
            choices = [(TicketStatus.REOPENED.value, TicketStatus.REOPENED.label)]
        else:
            choices = [(s.value, s.label) for s in TicketStatus if s != ticket.status]
        self.fields["status"].choices = choices
        self.fields["status"].initial = NEXT_STATUS.get(ticket.status)


class AssignForm(StyledFormMixin, forms.Form):
    assignee = StaffChoiceField(
        queryset=None, required=False, empty_label="Nobody (unassigned)", label="Assignee"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = staff_users()


class RetargetForm(StyledFormMixin, forms.Form):
    """Priority or issue type changed: the SLA targets are recomputed and the history says why."""

    priority = forms.ChoiceField(choices=Priority.choices)
    issue_type = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="Keep as it is", label="Issue type"
    )
    why = forms.CharField(
        max_length=200,
        label="Why",
        help_text="Kept in the history, e.g. “Client says the whole house is down”.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issue_type"].queryset = active_issue_types()


class TimeEntryForm(StyledFormMixin, forms.Form):
    technician = StaffChoiceField(queryset=None, empty_label=None)
    work_type = forms.ChoiceField(choices=WorkType.CHOICES, label="Work")
    minutes = DurationField(label="Time spent", help_text="e.g. 45, 45m, 1h30m")
    location = forms.ChoiceField(choices=WorkLocation.choices, label="Where")
    worked_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Date")
    after_hours = forms.BooleanField(
        required=False,
        label="After hours",
        help_text="Outside business hours: billed at the after-hours rate.",
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = staff_users()

    def clean_minutes(self):
        minutes = self.cleaned_data["minutes"]
        if minutes is not None and minutes > 24 * 60:
            raise forms.ValidationError("Log at most 24 h in one entry.")
        return minutes
