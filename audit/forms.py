from datetime import datetime, time, timedelta

from django import forms

from audit import selectors
from tenants.forms import StyledFormMixin
from tenants.localtime import tenant_zone


class AuditFilterForm(StyledFormMixin, forms.Form):
    """The audit page's filters, from the query string (a bookmarked URL shows the same list). Days are
    the tenant's calendar days."""

    q = forms.CharField(required=False, max_length=100, label="Search")
    actor = forms.ChoiceField(required=False, label="Who")
    kind = forms.ChoiceField(required=False, label="What happened")
    object_type = forms.ChoiceField(required=False, label="Object type")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.fields["actor"].choices = [("", "Anyone"), *selectors.actor_choices(tenant)]
        self.fields["kind"].choices = [("", "Any action"), *selectors.KINDS.items()]
        self.fields["object_type"].choices = [("", "Any object"), *((t, t) for t in selectors.object_types())]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "Choose a day on or after the first day.")
        return data

    def filters(self) -> selectors.AuditFilters:
        """The filters of a valid form; an invalid one filters nothing out (its errors are shown)."""
        data = self.cleaned_data if self.is_valid() else {}
        zone = tenant_zone(self.tenant)

        def start_of(day):
            return datetime.combine(day, time.min, tzinfo=zone) if day else None

        return selectors.AuditFilters(
            actor=data.get("actor", ""),
            kind=data.get("kind", ""),
            object_type=data.get("object_type", ""),
            since=start_of(data.get("since")),
            until=start_of(data["until"] + timedelta(days=1)) if data.get("until") else None,
            q=(data.get("q") or "").strip(),
        )
