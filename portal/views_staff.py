"""Staff pages of the portal, in the staff member's tenant: is this PDF (or hash) one of our signed
documents; email a contact their link to open and follow tickets."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from accounts.origin import client_ip
from clients.models import Contact
from portal import throttles
from portal.forms import VerifyForm
from portal.links import send_tickets_link
from portal.verify import verify_hash, verify_pdf
from tenants.views import StaffRequiredMixin


class VerifyView(StaffRequiredMixin, View):
    permission = "contracts.view"
    template_name = "portal/verify.html"

    def get(self, request):
        return render(request, self.template_name, {"form": VerifyForm()})

    def post(self, request):
        refused = throttles.count_verify(user_id=request.user.pk, ip=client_ip(request))
        if refused is not None:
            minutes = max(1, -(-refused.retry_after // 60))
            context = {"form": VerifyForm(), "throttled_minutes": minutes}
            response = render(request, self.template_name, context, status=429)
            response["Retry-After"] = str(refused.retry_after)
            return response
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


class SendTicketsLinkView(StaffRequiredMixin, View):
    """POST: email the contact a link to open and follow their client's tickets, then back to the client."""

    permission = "tickets.manage"
    model = Contact

    def post(self, request, pk):
        contact = get_object_or_404(Contact.objects.select_related("client"), pk=pk)
        try:
            send_tickets_link(contact, reply_to=request.user.email or None)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{contact.full_name} was emailed a link to open and follow tickets.")
        return redirect("clients:detail", pk=contact.client_id)
