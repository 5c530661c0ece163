"""Feedback is a thread: staff answer from the back office, clients reply from the
feedback's page (or the API) with private attachments; the status moves New ->
Answered -> Closed (a client's reply reopens), each move audited, and a reply tells
the other side."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.client_portal.core.models import AuditEvent, Feedback, FeedbackReply, Notification

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _feedback(demo, status, org="northwind"):
    return Feedback.objects.filter(organization=demo.organizations[org], status=status).first()


def test_the_demo_has_varied_statuses_and_staff_answers(demo):
    statuses = set(Feedback.objects.values_list("status", flat=True))
    assert {Feedback.Status.NEW, Feedback.Status.ANSWERED} <= statuses
    answered = Feedback.objects.filter(status=Feedback.Status.ANSWERED)
    assert answered and all(f.replies.filter(from_staff=True).exists() for f in answered)


def test_staff_answer_in_the_back_office_answers_and_notifies_the_author(
        demo, client, django_capture_on_commit_callbacks):
    feedback = _feedback(demo, Feedback.Status.NEW)
    client.force_login(demo.users["admin"])
    url = f"/admin/core/feedback/{feedback.pk}/change/"
    assert client.get(url).status_code == 200
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {
            "replies-TOTAL_FORMS": "1", "replies-INITIAL_FORMS": "0",
            "replies-MIN_NUM_FORMS": "0", "replies-MAX_NUM_FORMS": "1000",
            "replies-0-body": "We fixed the address; please look again.",
            "replies-0-file": SimpleUploadedFile("fix.png", PNG, content_type="image/png"),
            "replies-0-feedback": str(feedback.pk),
        })
    assert response.status_code == 302, response.content.decode()[:2000]
    feedback.refresh_from_db()
    assert feedback.status == Feedback.Status.ANSWERED
    reply = feedback.replies.get()
    assert reply.from_staff and reply.author == demo.users["admin"] and reply.attachment
    assert AuditEvent.objects.filter(action="feedback.mark_answered",
                                     object_id=str(feedback.uuid)).exists()
    note = Notification.objects.get(message="feedback.staff_replied", user=feedback.author)
    assert note.link == f"/p/feedback/{feedback.uuid}/"
    assert [m.to for m in mail.outbox] == [[feedback.author.email]]
    assert client.get(url).status_code == 200  # the thread shows the attachment's name


def test_the_client_reads_the_thread_and_replies_with_an_attachment(
        demo, login, django_capture_on_commit_callbacks):
    feedback = _feedback(demo, Feedback.Status.ANSWERED)
    client = login(demo.users["member"], demo.organizations["northwind"])
    page = client.get(f"/p/feedback/{feedback.uuid}/").content.decode()
    staff_answer = feedback.replies.get(from_staff=True)
    assert staff_answer.body.split(";")[0] in page and "Support team" in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/p/feedback/{feedback.uuid}/reply/", {
            "body": "Still wrong on page 2.",
            "attachment": SimpleUploadedFile("page2.png", PNG, content_type="image/png"),
        })
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.status == Feedback.Status.NEW  # back in the staff's queue
    reply = feedback.replies.get(from_staff=False)
    assert reply.author == demo.users["member"] and reply.attachment.name.startswith(
        f"feedback/{feedback.organization.uuid}/")
    assert AuditEvent.objects.filter(action="feedback.reopen",
                                     changes={"status": ["answered", "new"]}).exists()
    assert [m.to for m in mail.outbox] == [[staff_answer.author.email]]
    # The attachment comes through the checked door, recorded; nowhere else.
    download = client.get(f"/p/feedback-replies/{reply.uuid}/files/attachment/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert download["Cache-Control"] == "private, no-store"
    assert AuditEvent.objects.filter(action="download", object_id=str(reply.uuid)).exists()


def test_another_organization_reaches_neither_the_thread_nor_its_files(demo, login):
    feedback = _feedback(demo, Feedback.Status.ANSWERED)
    reply = FeedbackReply.objects.create(
        organization=feedback.organization, feedback=feedback, author=feedback.author,
        body="Secret detail", attachment=SimpleUploadedFile("x.png", PNG))
    client = login(demo.users["contoso_owner"], demo.organizations["contoso"])
    assert client.get(f"/p/feedback-replies/{reply.uuid}/files/attachment/").status_code == 404
    answer = client.post(f"/p/feedback/{feedback.uuid}/reply/", {"body": "Intruder"})
    assert answer.status_code == 404 and b"Secret detail" not in answer.content
    api = client.post("/api/v1/feedback-replies/", {"feedback": str(feedback.uuid),
                                                    "body": "Intruder"})
    assert api.status_code == 400 and "feedback" in api.json()["error"]["fields"]
    assert not feedback.replies.filter(body="Intruder").exists()


def test_an_attachment_that_is_not_what_it_says_is_refused(demo, login):
    feedback = _feedback(demo, Feedback.Status.ANSWERED)
    client = login(demo.users["member"], demo.organizations["northwind"])
    for name, data in [("fake.pdf", b"MZ\x90\x00 not a pdf"), ("run.exe", b"MZ\x90\x00")]:
        response = client.post(f"/p/feedback/{feedback.uuid}/reply/", {
            "body": "See attached", "attachment": SimpleUploadedFile(name, data)})
        assert response.status_code == 400
        assert "error-summary" in response.content.decode()
    assert not feedback.replies.filter(from_staff=False).exists()


def test_a_refused_reply_shows_the_form_again_with_the_error_beside_the_field(demo, login):
    feedback = _feedback(demo, Feedback.Status.ANSWERED)
    client = login(demo.users["member"], demo.organizations["northwind"])
    response = client.post(f"/p/feedback/{feedback.uuid}/reply/", {
        "body": "And a program <b>too</b>",
        "attachment": SimpleUploadedFile("evil.exe", b"MZ\x90\x00")})
    assert response.status_code == 400
    page = response.content.decode()
    # In the portal's layout, under the thread and apart from it.
    assert 'class="sidebar' in page or 'id="main"' in page
    thread = page[page.index('id="thread-title"'):page.index("</ol>")]
    assert "not accepted" not in thread
    field = page[page.index('<input type="file" id="id_reply_attachment"'):]
    field = field[:field.index("</div>")]
    assert 'aria-invalid="true"' in field
    assert 'id="id_reply_attachment_error">Files of type .exe are not accepted.' in field
    # What was typed is kept (escaped), the field in error is marked.
    assert "And a program &lt;b&gt;too&lt;/b&gt;</textarea>" in page
    assert '<div class="field has-error">\n      <label for="id_reply_attachment">' in page
    # The answer's address, opened again, leads back to the feedback's page.
    again = client.get(f"/p/feedback/{feedback.uuid}/reply/")
    assert again.status_code == 302 and again["Location"] == f"/p/feedback/{feedback.uuid}/"


def test_an_attachment_shows_its_name_and_size(demo, login):
    feedback = _feedback(demo, Feedback.Status.ANSWERED)
    client = login(demo.users["member"], demo.organizations["northwind"])
    client.post(f"/p/feedback/{feedback.uuid}/reply/", {
        "body": "The scan.", "attachment": SimpleUploadedFile("scan page 2.png", PNG)})
    reply = feedback.replies.get(from_staff=False)
    assert reply.attachment.name.count("/") == 3  # kept in folders of its own
    page = client.get(f"/p/feedback/{feedback.uuid}/").content.decode()
    link = page[page.index('data-testid="reply-attachment"'):]
    assert link.startswith('data-testid="reply-attachment">scan page 2.png</a>')
    assert f"({len(PNG)}\xa0bytes)" in link[:200]
    assert reply.attachment.name.rsplit("/", 1)[0] not in page


def test_a_reply_moves_the_updated_time(demo, login):
    from datetime import timedelta

    from django.utils import timezone

    feedback = _feedback(demo, Feedback.Status.IN_PROGRESS)
    past = timezone.now() - timedelta(days=3)
    Feedback.objects.filter(pk=feedback.pk).update(updated_at=past)
    client = login(demo.users["member"], demo.organizations["northwind"])
    assert client.post(f"/p/feedback/{feedback.uuid}/reply/",
                       {"body": "Any news?"}).status_code == 302
    feedback.refresh_from_db()
    assert feedback.status == Feedback.Status.IN_PROGRESS  # no step, yet it moved
    assert feedback.updated_at > past + timedelta(days=2)


def test_a_viewer_is_offered_no_reply_and_is_refused_one(demo, login):
    feedback = _feedback(demo, Feedback.Status.ANSWERED)
    client = login(demo.users["viewer"], demo.organizations["northwind"])
    assert 'name="body"' not in client.get(f"/p/feedback/{feedback.uuid}/").content.decode()
    assert client.post(f"/p/feedback/{feedback.uuid}/reply/",
                       {"body": "Hi"}).status_code == 403


def test_the_client_closes_an_answered_thread(demo, login):
    feedback = _feedback(demo, Feedback.Status.ANSWERED)
    client = login(demo.users["member"], demo.organizations["northwind"])
    assert client.post(f"/p/feedback/{feedback.uuid}/do/close/").status_code == 302
    feedback.refresh_from_db()
    assert feedback.status == Feedback.Status.CLOSED
    assert AuditEvent.objects.filter(action="feedback.close",
                                     object_id=str(feedback.uuid)).exists()


def test_a_withdrawn_feedback_takes_no_reply_through_either_door(demo, login):
    feedback = _feedback(demo, Feedback.Status.NEW)
    Feedback.objects.filter(pk=feedback.pk).update(status=Feedback.Status.WITHDRAWN)
    client = login(demo.users["member"], demo.organizations["northwind"])
    page = client.post(f"/p/feedback/{feedback.uuid}/reply/", {"body": "Still there?"})
    assert page.status_code in (200, 400, 409)
    api = client.post("/api/v1/feedback-replies/", {"feedback": str(feedback.uuid),
                                                   "body": "Still there?"})
    assert api.status_code == 400, api.content
    assert "withdrawn" in api.content.decode()
    assert not FeedbackReply.objects.filter(feedback=feedback).exists()
    feedback.refresh_from_db()
    assert feedback.status == Feedback.Status.WITHDRAWN
