"""The staff page of the utilisation rewards program: its target and tiers. Rows are added and removed
on the server (no script): "Add a tier" and "Remove" re-show the form with the change, unsaved."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.actors import actor_label
from rewards.forms_utilization import TierFormSet, UtilizationProgramForm
from rewards.utilization import MAX_TIERS, percent_text, program_settings, save_utilization_program
from tenants.views import StaffRequiredMixin


def _tier_rows(formset) -> list[dict]:
    """What each row of a bound formset holds, as typed (for re-showing it with a row more or less)."""
    return [
        {name: form[name].value() for name in ("below_percent", "reward_percent", "name")} for form in formset
    ]


class UtilizationProgramView(StaffRequiredMixin, TemplateView):
    permission = "rewards.manage"
    template_name = "rewards/utilization_program.html"

    def get(self, request, *args, **kwargs):
        settings = program_settings()
        form = UtilizationProgramForm(
            initial={"enabled": settings.enabled, "target_percent": percent_text(settings.target_percent)}
        )
        rows = [
            {
                "below_percent": percent_text(t.below_percent),
                "reward_percent": percent_text(t.reward_percent),
                "name": t.name,
            }
            for t in reversed(settings.tiers)
        ] or [{"below_percent": percent_text(settings.target_percent), "reward_percent": "5", "name": ""}]
        return self._render(form, TierFormSet(initial=rows, prefix="tiers"), settings)

    def post(self, request, *args, **kwargs):
        settings = program_settings()
        form = UtilizationProgramForm(request.POST)
        formset = TierFormSet(request.POST, prefix="tiers")
        if "add_tier" in request.POST or "remove_tier" in request.POST:
            rows = _tier_rows(formset)
            if "add_tier" in request.POST and len(rows) < MAX_TIERS:
                rows.append({"below_percent": "", "reward_percent": "", "name": ""})
            elif "remove_tier" in request.POST:
                index = request.POST.get("remove_tier", "")
                rows = [row for n, row in enumerate(rows) if str(n) != index]
            unsaved = UtilizationProgramForm(
                initial={k: form[k].value() for k in ("enabled", "target_percent")}
            )
            return self._render(unsaved, TierFormSet(initial=rows, prefix="tiers"), settings, changed=True)
        if form.is_valid() and formset.is_valid():
            tiers = [f.cleaned_data for f in formset if f.cleaned_data]  # an added row left empty
            try:
                save_utilization_program(
                    enabled=form.cleaned_data["enabled"],
                    target_percent=form.cleaned_data["target_percent"],
                    tiers=tiers,
                    actor=actor_label(request.user),
                )
            except ValidationError as error:
                by_field = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
                tier_errors = by_field.pop("tiers", [])
                for field, problems in by_field.items():
                    form.add_error(field if field in form.fields else None, problems)
                return self._render(form, formset, settings, tier_errors=tier_errors)
            else:
                messages.success(request, "Utilisation rewards saved.")
                return HttpResponseRedirect(reverse("rewards:utilization_program"))
        return self._render(form, formset, settings)

    def _render(self, form, formset, settings, *, changed: bool = False, tier_errors=()):
        return self.render_to_response(
            self.get_context_data(
                form=form,
                formset=formset,
                settings=settings,
                changed=changed,
                tier_errors=list(tier_errors),
                max_tiers=MAX_TIERS,
            )
        )
