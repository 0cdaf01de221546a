"""Staff forms of the SLA engine. They read what people type (durations like "1h30m", opening hours
like "08:00-12:00, 13:00-17:00") into the shapes the services take; the services hold the rules."""

import re

import holidays
from django import forms
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from holidays.registry import COUNTRIES

from clients import selectors as client_selectors
from service_levels import engine
from service_levels.durations import minutes_words
from service_levels.models import (
    PAUSABLE_STATUSES,
    WEEKDAYS,
    BusinessCalendar,
    IssueCategory,
    IssueType,
    Level,
    Metric,
    PolicyKind,
    Priority,
    SlaPolicy,
    WorkLocation,
)
from service_levels.selectors import active_issue_types
from tenants.forms import TIMEZONE_CHOICES, LongSelect, StyledFormMixin

# --- Durations: "90", "90m", "4h", "1h30m", "1 h 30 min", "1:30", "2d" (2 × 24 h of business time) -----

_UNITS = {
    "": 1, "m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1,
    "h": 60, "hr": 60, "hrs": 60, "hour": 60, "hours": 60,
    "d": 24 * 60, "day": 24 * 60, "days": 24 * 60,
}  # fmt: skip
_DURATION = re.compile(r"\s*(?:\d+(?:\.\d+)?\s*[a-z]*\s*)+")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]*)")
_CLOCK_DURATION = re.compile(r"\s*(\d+):([0-5]\d)\s*")
DURATION_HELP = "Business time, e.g. 90, 45m, 4h, 1h30m or 2d (a day is 24 h of business time)."


def parse_duration(text: str) -> int:
    """Minutes of business time in ``text``; ValidationError for anything else or for zero."""
    text = text.strip().lower().replace(",", " ")
    if match := _CLOCK_DURATION.fullmatch(text):
        minutes = int(match[1]) * 60 + int(match[2])
    elif _DURATION.fullmatch(text):
        parts = _DURATION_PART.findall(text)
        if any(unit not in _UNITS for _, unit in parts) or any(unit == "" for _, unit in parts[:-1]):
            raise ValidationError(f"“{text}” is not a duration. Write it like 90, 90m, 4h, 1h30m or 2d.")
        total = sum(float(number) * _UNITS[unit] for number, unit in parts)
        if total != int(total):
            raise ValidationError("Give the duration in whole minutes.")
        minutes = int(total)
    else:
        raise ValidationError(f"“{text}” is not a duration. Write it like 90, 90m, 4h, 1h30m or 2d.")
    if minutes < 1:
        raise ValidationError("A target needs at least 1 minute.")
    return minutes


class DurationField(forms.CharField):
    """A duration typed as text, cleaned to whole minutes (None when blank and not required)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", DURATION_HELP)
        super().__init__(**kwargs)
        self.widget.attrs.update({"maxlength": "30", "autocomplete": "off"})

    def prepare_value(self, value):
        return minutes_words(value) if isinstance(value, int) else value

    def to_python(self, value):
        value = super().to_python(value)
        return parse_duration(value) if value else None


# --- Opening hours: "08:00-12:00, 13:00-17:00"; blank = closed; "00:00-00:00" = the whole day ---------

_TIME = re.compile(r"(\d{1,2})(?:[:.h](\d{2}))?")
_RANGE_SEPARATOR = re.compile(r"\s*(?:-|–|—|to)\s*")


def _parse_clock(text: str, whole: str) -> str:
    match = _TIME.fullmatch(text.strip())
    if (
        not match
        or int(match[1]) > 24
        or int(match[2] or 0) > 59
        or (int(match[1]) == 24 and match[2] not in (None, "00"))
    ):
        raise ValidationError(f"“{whole}” is not a time range. Write it like 08:00-17:00.")
    return f"{int(match[1]) % 24:02d}:{match[2] or '00'}"


def parse_day_hours(text: str) -> list[list[str]]:
    """ "08:00-12:00, 13:00-17:00" -> [["08:00", "12:00"], ["13:00", "17:00"]]; blank or "closed" -> []."""
    text = text.strip()
    if not text or text.lower() == "closed":
        return []
    intervals = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;]", text))):
        times = _RANGE_SEPARATOR.split(part)
        if len(times) != 2:
            raise ValidationError(f"“{part}” is not a time range. Write it like 08:00-17:00.")
        intervals.append([_parse_clock(times[0], part), _parse_clock(times[1], part)])
    return intervals


def format_day_hours(intervals) -> str:
    return ", ".join(f"{opens}-{closes}" for opens, closes in intervals or [])


def _camel_to_words(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)


SUPPORTED_HOLIDAYS = holidays.list_supported_countries(include_aliases=False)
COUNTRY_NAMES = {entry[1]: _camel_to_words(entry[0]) for entry in COUNTRIES.values()}
COUNTRY_CHOICES = [
    ("", "None: no public holidays"),
    *sorted(
        ((code, f"{COUNTRY_NAMES.get(code, code)} ({code})") for code in SUPPORTED_HOLIDAYS),
        key=lambda choice: choice[1],
    ),
]

PRESET_CHOICES = [
    ("office_hours", "Office hours: Monday to Friday, 08:00-17:00"),
    ("split_shift", "Split shift: Monday to Friday, 08:00-12:00 and 13:00-17:00"),
    ("extended_hours", "Extended hours: Monday to Friday 07:00-19:00, Saturday 09:00-13:00"),
    ("always_open", "Around the clock: 24/7"),
]


class HolidayFieldsMixin:
    """Country codes come from a select; subdivision codes are typed, so read them in upper case. Which
    codes exist is the service's check (``services._check_holidays``)."""

    def clean_holiday_subdivision(self):
        return self.cleaned_data["holiday_subdivision"].strip().upper()


class CalendarCreateForm(HolidayFieldsMixin, StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=100, help_text="E.g. “Business hours”, “24/7”, “Extended hours”.")
    preset = forms.ChoiceField(
        choices=PRESET_CHOICES,
        label="Start from",
        widget=forms.RadioSelect,
        initial="office_hours",
        help_text="You can change every day's hours on the next page.",
    )
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, widget=LongSelect, label="Time zone")
    holiday_country = forms.ChoiceField(
        choices=COUNTRY_CHOICES, widget=LongSelect, required=False, label="Country"
    )
    holiday_subdivision = forms.CharField(
        max_length=10, required=False, label="State or region", help_text="A code such as NY or ENG."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preset"].widget.attrs["class"] = "form-check-input"


class CalendarForm(HolidayFieldsMixin, StyledFormMixin, forms.Form):
    """Name, zone, holidays, and one line of opening hours per weekday."""

    name = forms.CharField(max_length=100)
    timezone = forms.ChoiceField(choices=TIMEZONE_CHOICES, widget=LongSelect, label="Time zone")
    holiday_country = forms.ChoiceField(
        choices=COUNTRY_CHOICES, widget=LongSelect, required=False, label="Public holidays of"
    )
    holiday_subdivision = forms.CharField(
        max_length=10, required=False, label="State or region", help_text="A code such as NY or ENG."
    )

    def __init__(self, *args, calendar: BusinessCalendar | None = None, **kwargs):
        if calendar is not None:
            kwargs.setdefault("initial", {}).update(
                name=calendar.name,
                timezone=calendar.timezone,
                holiday_country=calendar.holiday_country,
                holiday_subdivision=calendar.holiday_subdivision,
                **{f"day_{n}": format_day_hours(calendar.weekly_hours.get(str(n))) for n in range(7)},
            )
        super().__init__(*args, **kwargs)
        for number, weekday in enumerate(WEEKDAYS):
            field = forms.CharField(label=weekday, required=False, max_length=200)
            field.widget.attrs.update(
                {"class": "form-control font-monospace", "placeholder": "Closed", "autocomplete": "off"}
            )
            self.fields[f"day_{number}"] = field

    def day_fields(self):
        return [self[f"day_{n}"] for n in range(7)]

    def clean(self):
        data = super().clean()
        weekly_hours = {}
        for number in range(7):
            try:
                intervals = parse_day_hours(data.get(f"day_{number}", ""))
            except ValidationError as error:
                self.add_error(f"day_{number}", error)
                continue
            if intervals:
                weekly_hours[str(number)] = intervals
        data["weekly_hours"] = weekly_hours
        return data

    def service_changes(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"].strip(),
            "timezone": data["timezone"],
            "weekly_hours": data["weekly_hours"],
            "holiday_country": data["holiday_country"],
            "holiday_subdivision": data["holiday_subdivision"],
        }

    def add_engine_error(self, message: str) -> None:
        """The engine names the weekdays it objects to: show its message on each of those rows."""
        message = re.sub(r"\b(\d\d:\d\d):00\b", r"\1", message)
        message = message[:1].upper() + message[1:] + "."
        days = [n for n, weekday in enumerate(WEEKDAYS) if weekday in message]
        for number in days or [None]:
            self.add_error(f"day_{number}" if number is not None else None, message)


class ClosureForm(StyledFormMixin, forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = forms.CharField(max_length=120, required=False, help_text="E.g. “Company retreat”.")


# --- SLA policies --------------------------------------------------------------------------------


class PolicyForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=PolicyKind.choices)
    key = forms.SlugField(
        max_length=40,
        required=False,
        help_text="Tiers and riders only: the key memberships use, e.g. gold or premium-response.",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    warning_percent = forms.IntegerField(
        min_value=1,
        max_value=99,
        initial=75,
        label="Warn at (% of the target)",
        help_text="Warn when this share of a target's business time has elapsed.",
    )
    pause_statuses = forms.MultipleChoiceField(
        choices=PAUSABLE_STATUSES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Stop the clock while a ticket is",
        initial=["waiting_on_client"],
    )
    is_active = forms.BooleanField(
        required=False, initial=True, label="Active", help_text="Only active policies are applied."
    )

    def __init__(self, *args, policy: SlaPolicy | None = None, **kwargs):
        if policy is not None:
            kwargs.setdefault("initial", {}).update(
                {name: getattr(policy, name) for name in self.base_fields}
            )
        super().__init__(*args, **kwargs)
        self.fields["pause_statuses"].widget.attrs["class"] = "form-check-input"

    def service_fields(self) -> dict:
        return dict(self.cleaned_data)


class TargetsForm(StyledFormMixin, forms.Form):
    """The targets grid: for each priority and metric, a duration and the calendar it runs on."""

    def __init__(self, *args, policy: SlaPolicy | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        calendars = BusinessCalendar.objects.all()
        existing = {(t.priority, t.metric): t for t in policy.targets.all()} if policy and policy.pk else {}
        # Empty cells offer the calendar the policy uses most (else the first), to save clicks.
        used = [t.calendar_id for t in existing.values()]
        first = calendars.values_list("pk", flat=True).first()
        default_calendar_id = max(set(used), key=used.count) if used else first
        for priority in Priority:
            for metric in Metric:
                target = existing.get((priority.value, metric.value))
                what = f"{priority.value} {metric.label.lower()}"
                minutes = DurationField(required=False, label=f"{what}: business time", help_text="")
                minutes.widget.attrs.update(
                    {"class": "form-control form-control-sm", "placeholder": "No target"}
                )
                calendar = forms.ModelChoiceField(
                    queryset=calendars,
                    required=False,
                    empty_label="Calendar…",
                    label=f"{what}: calendar",
                )
                calendar.widget.attrs["class"] = "form-select form-select-sm mt-1"
                self.fields[self._name(priority, metric, "minutes")] = minutes
                self.fields[self._name(priority, metric, "calendar")] = calendar
                if target is not None:
                    self.initial[self._name(priority, metric, "minutes")] = target.minutes
                    self.initial[self._name(priority, metric, "calendar")] = target.calendar_id
                else:
                    self.initial[self._name(priority, metric, "calendar")] = default_calendar_id

    @staticmethod
    def _name(priority, metric, part):
        return f"{priority.value}-{metric.value}-{part}"

    def rows(self):
        """[(priority, [(metric, minutes field, calendar field), ...]), ...] for the template's grid."""
        return [
            (
                priority,
                [
                    (
                        metric,
                        self[self._name(priority, metric, "minutes")],
                        self[self._name(priority, metric, "calendar")],
                    )
                    for metric in Metric
                ],
            )
            for priority in Priority
        ]

    def clean(self):
        data = super().clean()
        for priority in Priority:
            for metric in Metric:
                minutes = data.get(self._name(priority, metric, "minutes"))
                if minutes and not data.get(self._name(priority, metric, "calendar")):
                    self.add_error(
                        self._name(priority, metric, "calendar"), "Choose the calendar it runs on."
                    )
        return data

    def targets(self) -> dict:
        """{(priority, metric): (minutes, calendar) or None} for services.set_targets."""
        grid = {}
        for priority in Priority:
            for metric in Metric:
                minutes = self.cleaned_data.get(self._name(priority, metric, "minutes"))
                calendar = self.cleaned_data.get(self._name(priority, metric, "calendar"))
                grid[(priority.value, metric.value)] = (minutes, calendar) if minutes else None
        return grid


# --- Priority matrix and issue catalog ------------------------------------------------------------


class PriorityMatrixForm(StyledFormMixin, forms.Form):
    def __init__(self, *args, matrix: dict[tuple[str, str], str], **kwargs):
        super().__init__(*args, **kwargs)
        for impact in Level:
            for urgency in Level:
                name = self.cell_name(impact, urgency)
                self.fields[name] = forms.ChoiceField(
                    choices=Priority.choices,
                    label=f"{impact.label} impact, {urgency.label.lower()} urgency",
                    initial=matrix[(impact.value, urgency.value)],
                )
                self.fields[name].widget.attrs["class"] = "form-select"

    @staticmethod
    def cell_name(impact, urgency) -> str:
        return f"{impact.value}-{urgency.value}"

    def cells(self):
        """{(impact, urgency): priority} as chosen."""
        return {
            (impact.value, urgency.value): self.cleaned_data[self.cell_name(impact, urgency)]
            for impact in Level
            for urgency in Level
        }


class IssueTypeForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=120)
    category = forms.ChoiceField(choices=IssueCategory.choices)
    default_priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.P3)
    work_location = forms.ChoiceField(
        choices=WorkLocation.choices, initial=WorkLocation.REMOTE, label="Usually fixed"
    )
    expected_turnaround_minutes = DurationField(
        label="Expected turnaround",
        help_text="Typical business time from report to fix, told to clients: e.g. 4h or 2d.",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, issue_type: IssueType | None = None, **kwargs):
        if issue_type is not None:
            kwargs.setdefault("initial", {}).update(
                {name: getattr(issue_type, name) for name in self.base_fields}
            )
        super().__init__(*args, **kwargs)


# --- "What would the deadline be?" ----------------------------------------------------------------


class PreviewForm(StyledFormMixin, forms.Form):
    """A GET form: the URL keeps the question. The start is read in the tenant's time zone (the view
    activates it while validating)."""

    start = forms.DateTimeField(
        required=False,
        label="Reported at",
        help_text="In your company's time zone. Blank means now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )
    client = forms.ModelChoiceField(queryset=None, empty_label="Choose a client…")
    what_if = forms.BooleanField(
        required=False,
        label="What if… (ignore the client's agreement and use the three answers below)",
        help_text="Unticked, the client's own agreement decides: signed or not, tier and riders.",
    )
    has_signed_contract = forms.BooleanField(required=False, label="What if: has a signed service contract")
    tier = forms.ChoiceField(required=False, label="What if: membership tier")
    riders = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    issue_type = forms.ModelChoiceField(queryset=None, required=False, empty_label="None", label="Issue type")
    priority = forms.ChoiceField(
        required=False,
        help_text="Leave as is to use the issue type's default priority.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = client_selectors.client_list().order_by(Lower("name"), "pk")
        self.fields["issue_type"].queryset = active_issue_types()
        self.fields["priority"].choices = [("", "From the issue type"), *Priority.choices]
        active = SlaPolicy.objects.filter(is_active=True).order_by("name")
        self.fields["tier"].choices = [("", "No paid tier")] + [
            (p.key, p.name) for p in active.filter(kind=PolicyKind.TIER)
        ]
        self.fields["riders"].choices = [(p.key, p.name) for p in active.filter(kind=PolicyKind.RIDER)]
        self.fields["riders"].widget.attrs["class"] = "form-check-input"

    def clean_start(self):
        start = self.cleaned_data["start"]
        if start is not None:
            try:
                engine.check_supported(start, "The start")
            except ValueError:
                raise forms.ValidationError(
                    f"Choose a moment from {engine.FIRST_YEAR} to {engine.LAST_YEAR}.", code="invalid"
                ) from None
        return start

    def clean(self):
        data = super().clean()
        if not data.get("priority") and not data.get("issue_type") and "priority" not in self.errors:
            self.add_error("priority", "Choose a priority, or an issue type whose default priority applies.")
        return data
