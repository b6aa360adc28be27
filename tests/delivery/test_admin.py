"""Delivery in the Django admin: notes read-only with their lines, photos and carrier events,
scoped to the firm, bulk actions and deletes through the services; carrier events read-only;
the firm's webhook secret shown and rotated."""

import pytest

from delivery import tracking
from delivery.choices import DeliveryNoteStatus as S
from delivery.models import CarrierWebhookSecret, DeliveryNote, TrackingEvent
from tests.contracts.admin import admin_url, assert_list_and_add_open

from .factories import advance, deliver, make_note, note_in


@pytest.mark.django_db
class TestDeliveryNoteAdmin:
    def test_changelist_change_and_history_pages_open_read_only(self, client, admin_user,
                                                                firm):
        note = deliver(advance(make_note(firm), S.IN_TRANSIT))
        client.force_login(admin_user)
        assert_list_and_add_open(client, DeliveryNote, add_allowed=False)
        response = client.get(admin_url(DeliveryNote, "change", note.pk))
        html = response.content.decode()
        assert response.status_code == 200 and note.number in html
        assert "Steel shelf" in html  # the lines inline
        assert 'name="_save"' not in html  # read-only
        assert client.get(admin_url(DeliveryNote, "history", note.pk)).status_code == 200

    def test_bulk_confirm_goes_through_the_service(self, client, admin_user, firm):
        draft, moving = make_note(firm), note_in(firm, S.IN_TRANSIT)
        client.force_login(admin_user)
        response = client.post(admin_url(DeliveryNote, "changelist"), {
            "action": "confirm_selected", "_selected_action": [draft.pk, moving.pk]},
            follow=True)
        assert DeliveryNote.objects.get(pk=draft.pk).status == S.CONFIRMED
        assert DeliveryNote.objects.get(pk=moving.pk).status == S.IN_TRANSIT
        messages = [str(message) for message in response.context["messages"]]
        assert any(moving.number in message for message in messages)

    def test_delete_a_draft_through_the_service_not_a_confirmed_note(self, client,
                                                                     admin_user, firm):
        draft, confirmed = make_note(firm), note_in(firm, S.CONFIRMED)
        client.force_login(admin_user)
        client.post(admin_url(DeliveryNote, "delete", draft.pk), {"post": "yes"})
        assert not DeliveryNote.objects.filter(pk=draft.pk).exists()
        client.post(admin_url(DeliveryNote, "delete", confirmed.pk), {"post": "yes"})
        assert DeliveryNote.objects.filter(pk=confirmed.pk).exists()

    def test_other_firms_notes_are_not_reached(self, client, admin_user, other_firm):
        foreign = make_note(other_firm)
        client.force_login(admin_user)
        assert foreign.number not in client.get(
            admin_url(DeliveryNote, "changelist")).content.decode()
        response = client.get(admin_url(DeliveryNote, "change", foreign.pk))
        assert response.status_code in (302, 404)
        assert client.get(admin_url(DeliveryNote, "history", foreign.pk)).status_code == 404


@pytest.mark.django_db
class TestTrackingAndSecretAdmin:
    def test_tracking_events_are_read_only(self, client, admin_user, firm):
        note = note_in(firm, S.PACKED)
        tracking.delivery_note_tracking_update(note=note, actor=admin_user,
                                               status="picked_up", location="Jeddah")
        client.force_login(admin_user)
        assert_list_and_add_open(client, TrackingEvent, add_allowed=False)
        event = TrackingEvent.objects.get(note=note)
        response = client.get(admin_url(TrackingEvent, "change", event.pk))
        assert response.status_code == 200 and "Jeddah" in response.content.decode()

    def test_the_firms_secret_is_shown_and_rotated(self, client, admin_user, firm,
                                                   other_firm):
        theirs = tracking.webhook_secret(firm=other_firm)
        client.force_login(admin_user)
        assert_list_and_add_open(client, CarrierWebhookSecret, add_allowed=False)
        secret = CarrierWebhookSecret.objects.get(firm=firm)  # made on the first visit
        html = client.get(admin_url(CarrierWebhookSecret, "changelist")).content.decode()
        assert secret.secret in html and theirs.secret not in html
        before = secret.secret
        client.post(admin_url(CarrierWebhookSecret, "changelist"), {
            "action": "rotate_selected", "_selected_action": [secret.pk]})
        assert CarrierWebhookSecret.objects.get(pk=secret.pk).secret != before
        assert CarrierWebhookSecret.objects.get(pk=theirs.pk).secret == theirs.secret
        response = client.get(admin_url(CarrierWebhookSecret, "change", theirs.pk))
        assert response.status_code in (302, 404)
