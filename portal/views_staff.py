"""Staff page: is this PDF (or hash) one of our signed documents? Runs in the staff member's tenant."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views import View

from portal.forms import VerifyForm
from portal.verify import verify_hash, verify_pdf
from tenants.views import StaffRequiredMixin


class VerifyView(StaffRequiredMixin, View):
    permission = "contracts.view"
    template_name = "portal/verify.html"

    def get(self, request):
        return render(request, self.template_name, {"form": VerifyForm()})

    def post(self, request):
        form = VerifyForm(request.POST, request.FILES)
        result, checked = None, ""
        if form.is_valid():
            upload = form.cleaned_data.get("pdf")
            if upload:
                result, checked = verify_pdf(upload.chunks()), upload.name
            else:
                try:
                    result = verify_hash(form.cleaned_data["sha256"])
                except ValidationError as error:
                    form.add_error("sha256", error)
        status = 400 if form.errors else 200
        context = {
            "form": VerifyForm() if result else form,
            "result": result,
            "checked": checked,
            "checked_file": bool(checked),
        }
        return render(request, self.template_name, context, status=status)
