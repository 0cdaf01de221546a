from django.urls import path

from tickets import views, views_attachments

app_name = "tickets"

urlpatterns = [
    path("", views.TicketListView.as_view(), name="list"),
    path("board/", views.BoardView.as_view(), name="board"),
    path("new/", views.TicketCreateView.as_view(), name="create"),
    path("new/client-fields/", views.ClientFieldsView.as_view(), name="client_fields"),
    path("new/hints/", views.FormHintsView.as_view(), name="form_hints"),
    path("<int:pk>/", views.TicketDetailView.as_view(), name="detail"),
    path("<int:pk>/reply/", views.ReplyView.as_view(), name="reply"),
    path("<int:pk>/status/", views.StatusView.as_view(), name="status"),
    path("<int:pk>/assign/", views.AssignView.as_view(), name="assign"),
    path("<int:pk>/retarget/", views.RetargetView.as_view(), name="retarget"),
    path("<int:pk>/check-in/", views.CheckInView.as_view(), name="check_in"),
    path("<int:pk>/time/", views.LogTimeView.as_view(), name="log_time"),
    path("<int:pk>/files/", views_attachments.AttachmentUploadView.as_view(), name="attach"),
    path(
        "<int:pk>/files/<int:attachment_pk>/",
        views_attachments.AttachmentDownloadView.as_view(),
        name="attachment",
    ),
]
