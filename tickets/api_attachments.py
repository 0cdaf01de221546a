"""The partner API's files on tickets: ``/api/v1/tickets/<ticket_pk>/attachments/`` lists a ticket's
files and takes new ones (multipart), ``.../<id>/content/`` downloads one. Rules (types by content, sizes,
storage, history) are tickets.attachments'; the ticket is looked up in the caller's tenant first."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from api.viewsets import calling_api_key, calling_staff_user, through_service
from tickets import attachments
from tickets.api import TicketsViewSetMixin
from tickets.attachments import ACCEPTED_HELP
from tickets.attachments import MAX_FILES as MAX_ATTACHMENT_FILES
from tickets.models import Ticket, TicketAttachment


class TicketAttachmentSerializer(serializers.ModelSerializer):
    uploaded_by_name = serializers.CharField(source="uploaded_by_label", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = TicketAttachment
        fields = [
            "id",
            "ticket",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "is_public",
            "uploaded_by",
            "uploaded_by_contact",
            "uploaded_by_name",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "is_public": {"help_text": "true: the client sees it on the portal; false: staff only."},
            "content_type": {"help_text": "What its content is, as checked on upload (not as claimed)."},
            "size": {"help_text": "In bytes."},
        }

    def get_download_url(self, attachment) -> str:
        return reverse(
            "api:ticket-attachment-content",
            kwargs={"ticket_pk": attachment.ticket_id, "pk": attachment.pk},
        )


class TicketAttachmentUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True),
        help_text=f"One to {MAX_ATTACHMENT_FILES} files (repeat the `files` part). {ACCEPTED_HELP}",
    )
    is_public = serializers.BooleanField(
        default=True, help_text="true: the client sees them on the portal; false: staff only."
    )


@extend_schema_view(
    list=extend_schema(
        summary="List a ticket's files",
        description="Oldest first. Another tenant's ticket, or one that does not exist, is a `404`.",
    ),
    retrieve=extend_schema(summary="Get a file's details"),
    create=extend_schema(
        summary="Attach files to a ticket",
        description="`multipart/form-data` with one or more `files` parts. Each file is checked by its "
        f"content, not its name: {ACCEPTED_HELP} If any file is refused, none is stored (`400`, naming "
        "each file and why). Recorded in the ticket's history as `attachment.added`.",
        request={"multipart/form-data": TicketAttachmentUploadSerializer},
        responses={201: TicketAttachmentSerializer(many=True)},
    ),
    content=extend_schema(
        summary="Download a file",
        description="The file itself, with its checked content type and `Content-Disposition`.",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    ),
)
class TicketAttachmentViewSet(
    TicketsViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    # Nested under /tickets/<ticket_pk>/attachments/: the ticket is looked up in the caller's tenant
    # first, so another tenant's ticket id is a 404 before any file is read.
    model = TicketAttachment
    serializer_class = TicketAttachmentSerializer
    pagination_class = None
    filter_backends = []
    parser_classes = [MultiPartParser]

    def ticket(self) -> Ticket:
        return get_object_or_404(Ticket.objects.all(), pk=self.kwargs["ticket_pk"])

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        return queryset.filter(ticket=self.ticket())

    def create(self, request, *args, **kwargs):
        ticket = self.ticket()
        data = TicketAttachmentUploadSerializer(
            data={"files": request.FILES.getlist("files"), "is_public": request.data.get("is_public", True)}
        )
        data.is_valid(raise_exception=True)
        added = through_service(
            attachments.add_attachments, ticket, uploads=data.validated_data["files"],
            user=calling_staff_user(request), api_key=calling_api_key(request),
            is_public=data.validated_data["is_public"],
        )  # fmt: skip
        return Response(TicketAttachmentSerializer(added, many=True).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def content(self, request, ticket_pk=None, pk=None):
        return attachments.file_response(self.get_object())
