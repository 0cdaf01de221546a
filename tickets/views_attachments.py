"""Staff pages of a ticket's files: upload (one or several, shown to the client or kept internal) and
download. The ticket and the file are looked up in the staff member's tenant only: another tenant's id
is a 404. Rules (types, sizes, storage) live in tickets.attachments."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View

from tickets import attachments
from tickets.models import Ticket, TicketAttachment
from tickets.views import TicketViewMixin


class AttachmentUploadView(TicketViewMixin, View):
    """POST files=<one or more files>, visibility=public|internal."""

    model = Ticket
    permission = "tickets.manage"
    http_method_names = ["post"]

    def post(self, request, pk):
        ticket = get_object_or_404(Ticket, pk=pk)
        url = reverse("tickets:detail", args=[ticket.pk]) + "#files"
        try:
            added = attachments.add_attachments(
                ticket,
                uploads=request.FILES.getlist("files"),
                user=request.user,
                is_public=request.POST.get("visibility") != "internal",
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            shown = "shown to the client" if added[0].is_public else "kept internal"
            count = f"{len(added)} files" if len(added) > 1 else added[0].original_name
            messages.success(request, f"{count} attached ({shown}).")
        return HttpResponseRedirect(url)


class AttachmentDownloadView(TicketViewMixin, View):
    model = Ticket
    http_method_names = ["get", "head"]

    def get(self, request, pk, attachment_pk):
        attachment = get_object_or_404(TicketAttachment, pk=attachment_pk, ticket_id=pk)
        return attachments.file_response(attachment)
