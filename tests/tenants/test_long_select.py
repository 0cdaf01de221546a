"""LongSelect writes out the same select as Django's own template-rendered one, only faster."""

import re

import pytest
from django import forms

from tenants.forms import TIMEZONE_CHOICES, CompanySettingsForm, LongSelect

GROUPED = [
    ("", "Nothing chosen"),
    ("Europe", [("Europe/Paris", "Paris"), ("Europe/Zurich", 'Zürich & "Genève" <CH>')]),
    ("America/New_York", "New York"),
]


def tags(html: str) -> str:
    """The markup without the line breaks and indents between tags (Django's template leaves some)."""
    return re.sub(r">\s+<", "><", str(html).strip())


@pytest.mark.parametrize("value", ["Europe/Zurich", "America/New_York", "", None, "Not/A_Zone"])
def test_a_long_select_writes_what_djangos_select_writes(value):
    attrs = {"class": "form-select is-invalid", "aria-describedby": "id_zone_helptext", "required": True}
    ours = LongSelect(choices=GROUPED).render("zone", value, attrs={**attrs, "id": "id_zone"})
    djangos = forms.Select(choices=GROUPED).render("zone", value, attrs={**attrs, "id": "id_zone"})
    assert tags(ours) == tags(djangos)


def test_a_long_select_escapes_labels_and_marks_the_chosen_option():
    html = LongSelect(choices=GROUPED).render("zone", "Europe/Zurich")
    chosen = '<option value="Europe/Zurich" selected>Zürich &amp; &quot;Genève&quot; &lt;CH&gt;</option>'
    assert chosen in html
    assert '<optgroup label="Europe">' in html
    assert html.count(" selected") == 1


def test_the_company_settings_form_shows_every_time_zone_with_the_companys_chosen():
    form = CompanySettingsForm(initial={"timezone": "America/New_York"})
    html = str(form["timezone"])
    assert html.count("<option ") == len(TIMEZONE_CHOICES)
    assert '<option value="America/New_York" selected>America/New York</option>' in html
    assert 'class="form-select"' in html
