"""``/api/v1/imports/``: the CSV import of clients, contacts and sites, for partners.

POST a file (multipart ``file``) or its text (JSON ``csv``): with ``?dry_run=true`` the answer is the
preview (how the columns and first rows read, counts, every row's problems) and nothing is kept;
without it the file is imported, all or nothing: a file with problems is a 400 listing each row (one
error per row, under ``file`` or ``csv``) and imports nothing, unless ``skip_invalid`` is true. A small
file is imported at once (201, ``done``); a large one is queued (202, ``queued``): follow it with
``GET /api/v1/imports/{id}/``.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from api.parsers import LimitedJSONParser
from api.viewsets import TenantScopedViewMixin, calling_staff_user, request_actor
from imports import progress, services
from imports.checking import first_rows
from imports.layouts import AUTO, FIELD_LABELS, LAYOUTS
from imports.models import ImportJob, ImportStatus, OnExisting
from imports.reading import MAX_BYTES, UnreadableFile

PREVIEW_ROWS = 20


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(
        required=False, help_text=f"The CSV file (multipart). At most {MAX_BYTES // 1_048_576} MB."
    )
    csv = serializers.CharField(
        required=False,
        trim_whitespace=False,
        help_text="The CSV text itself (JSON), instead of a file; the JSON body is at most 2.5 MB.",
    )
    file_name = serializers.CharField(required=False, max_length=255, default="", allow_blank=True)
    layout = serializers.ChoiceField(
        choices=[AUTO, *LAYOUTS],
        default=AUTO,
        help_text="Column layout; `auto` detects it from the header row.",
    )
    on_existing = serializers.ChoiceField(
        choices=OnExisting.choices, default=OnExisting.UPDATE, help_text="Clients already here (same name)."
    )
    skip_invalid = serializers.BooleanField(
        default=False,
        help_text="Import the valid rows and skip those with problems (else nothing is imported).",
    )

    def validate(self, attrs):
        if bool(attrs.get("file")) == bool(attrs.get("csv")):
            raise ValidationError(
                {"file": "Send the CSV either as `file` (multipart) or as `csv` (JSON), once."}
            )
        return attrs

    def data_bytes(self) -> tuple[bytes, str]:
        upload = self.validated_data.get("file")
        if upload is not None:
            if upload.size > MAX_BYTES:
                raise ValidationError(
                    {"file": f"The file is larger than {MAX_BYTES // 1_048_576} MB: split it."}
                )
            return upload.read(), self.validated_data["file_name"] or upload.name
        return self.validated_data["csv"].encode("utf-8"), self.validated_data["file_name"]


class ProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row as a spreadsheet numbers it (the header is row 1).")
    column = serializers.CharField(help_text="The column to fix (its header in the file).")
    message = serializers.CharField()


class ProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()


class ImportJobSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    problems = ProblemSerializer(many=True, read_only=True)
    counts = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    summary = serializers.JSONField(
        read_only=True,
        help_text="Once done: created / updated / skipped for `clients`, `contacts` and `sites`, with "
        "`rows_imported` and `rows_skipped`.",
    )

    class Meta:
        model = ImportJob
        fields = [
            "id", "status", "file_name", "layout", "layout_detected", "on_existing", "skip_invalid",
            "total_rows", "progress", "counts", "problems", "summary", "failure", "created_at", "started_at",
            "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, job) -> dict:
        if job.status == ImportStatus.DONE:
            return {"done": job.total_rows, "total": job.total_rows, "percent": 100}
        record = progress.current(job.pk) or {"done": 0, "total": job.total_rows}
        return {**record, "percent": progress.percent(job.pk)}


class ColumnSerializer(serializers.Serializer):
    header = serializers.CharField()
    field = serializers.CharField(allow_null=True, help_text="What it fills in Accord; null: left out.")


class PreviewRowSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    client = serializers.DictField(help_text="Client fields read from the row.")
    contact = serializers.DictField(allow_null=True)
    site = serializers.DictField(allow_null=True)


class ImportPreviewSerializer(serializers.Serializer):
    layout = serializers.CharField()
    layout_detected = serializers.CharField()
    encoding = serializers.CharField()
    delimiter = serializers.CharField()
    columns = ColumnSerializer(many=True)
    rows = PreviewRowSerializer(many=True, help_text=f"The first {PREVIEW_ROWS} rows, as they read.")
    counts = serializers.DictField(child=serializers.IntegerField())
    problems = ProblemSerializer(many=True)


EXAMPLE_CSV = (
    "client_name,managed_endpoints,contact_name,contact_email\n"
    "Whitaker Residence,12,Priya Lindqvist,priya@example.com\n"
)


@extend_schema_view(
    list=extend_schema(summary="List imports", description="The tenant's imports, newest first."),
    retrieve=extend_schema(
        summary="Get an import", description="Its status, progress, problems and summary."
    ),
    create=extend_schema(
        summary="Import clients, contacts and sites from CSV",
        description=__doc__,
        request=ImportRequestSerializer,  # as multipart and as JSON (the parsers); its 400s documented
        parameters=[
            OpenApiParameter(
                "dry_run",
                OpenApiTypes.BOOL,
                description="true: answer the preview and keep nothing.",
                default=False,
            )
        ],
        responses={
            200: ImportPreviewSerializer,
            201: ImportJobSerializer,
            202: ImportJobSerializer,
        },
        examples=[
            OpenApiExample("Pasted CSV", request_only=True, value={"csv": EXAMPLE_CSV, "layout": "auto"}),
        ],
    ),
)
class ImportJobViewSet(
    TenantScopedViewMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    model = ImportJob
    api_resource = "imports"
    serializer_class = ImportJobSerializer
    parser_classes = [LimitedJSONParser, MultiPartParser]
    view_permission = "clients.view"
    manage_permission = "clients.manage"
    filter_backends = []

    def get_queryset(self):
        return super().get_queryset().defer("csv_text")

    def get_serializer_class(self):
        return ImportRequestSerializer if self.action == "create" else ImportJobSerializer

    def create(self, request, *args, **kwargs):
        incoming = ImportRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data, file_name = incoming.data_bytes()
        options = incoming.validated_data
        try:
            if request.query_params.get("dry_run", "").lower() in ("true", "1", "yes"):
                return Response(_preview(data, options["layout"]), status=status.HTTP_200_OK)
            job, _ = services.upload(
                data,
                file_name=file_name,
                layout=options["layout"],
                on_existing=options["on_existing"],
                created_by=calling_staff_user(request),
                created_by_label=request_actor(request),
            )
        except UnreadableFile as error:
            raise ValidationError({"file": str(error)}) from None
        try:
            services.start(job, skip_invalid=options["skip_invalid"])
        except services.ImportRefused as refused:
            job.delete()  # nothing imported, nothing kept: the answer lists what to fix
            # Each row's problem under the field that carried the CSV (``file`` or ``csv``).
            carrier = "file" if options.get("file") is not None else "csv"
            raise ValidationError({carrier: [str(problem) for problem in refused.checked.problems]}) from None
        answer = status.HTTP_201_CREATED if job.status == ImportStatus.DONE else status.HTTP_202_ACCEPTED
        return Response(ImportJobSerializer(job).data, status=answer)


def _preview(data: bytes, layout: str) -> dict:
    table, checked, detected = services.check_file(data, layout=layout)
    mapping = checked.layout.mapping(table.headers)
    return {
        "layout": checked.layout.key,
        "layout_detected": detected,
        "encoding": table.encoding,
        "delimiter": {",": "comma", ";": "semicolon", "\t": "tab"}[table.delimiter],
        "columns": [
            {"header": header, "field": FIELD_LABELS[mapping[index]] if index in mapping else None}
            for index, header in enumerate(table.headers)
        ],
        "rows": [
            {"row": row.number, "client": row.client, "contact": row.contact, "site": row.site}
            for row in first_rows(table, checked.layout, limit=PREVIEW_ROWS)
        ],
        "counts": checked.counts(),
        "problems": [problem.as_dict() for problem in checked.problems],
    }
