"""What list cells and column headings show (Resource.value and field_label)."""

import pytest
from django.utils import translation

from apps.client_portal.core.models import Notification
from apps.client_portal.core.registry import registry

pytestmark = pytest.mark.django_db


def test_choice_cells_match_get_display_in_each_language(demo):
    resource = registry.get("notifications")
    for level in Notification.Level.values:
        obj = Notification(level=level)
        for language in ("en", "ro", "pl"):
            with translation.override(language):
                assert resource.value(obj, "level") == obj.get_level_display()


def test_an_unknown_stored_choice_shows_as_stored(demo):
    obj = Notification(level="legacy-level")
    assert registry.get("notifications").value(obj, "level") == "legacy-level"


def test_a_models_own_get_display_wins(demo):
    class Renamed(Notification):
        class Meta:
            proxy = True
            app_label = "core"

        def get_level_display(self):
            return f"custom {self.level}"

    resource = registry.get("notifications")
    assert resource.value(Renamed(level="info"), "level") == "custom info"
    # The plain model, asked after the proxy, still gets its own labels.
    plain = Notification(level="info")
    assert resource.value(plain, "level") == plain.get_level_display()


def test_column_labels_are_plain_strings_in_the_active_language(demo):
    resource = registry.get("notifications")
    with translation.override("en"):
        english = resource.column_label("created_at")
        expected = str(Notification._meta.get_field("created_at").verbose_name).capitalize()
    assert type(english) is str
    assert english == expected
    assert type(resource.column_label("read_at")) is str  # a Column(..., label) heading
