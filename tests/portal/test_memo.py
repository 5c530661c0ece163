"""portal/memo.py: rendered once per key, bounded."""

import threading

from apps.client_portal.portal.memo import Rendered


def test_renders_once_per_key():
    calls = []
    store = Rendered(maxsize=10)

    def render(text):
        calls.append(text)
        return text.upper()

    assert store.get("a", lambda: render("a")) == "A"
    assert store.get("a", lambda: render("again")) == "A"  # kept: not rendered again
    assert store.get("b", lambda: render("b")) == "B"
    assert calls == ["a", "b"]
    assert "a" in store and len(store) == 2


def test_a_full_store_starts_afresh_and_stays_bounded():
    store = Rendered(maxsize=3)
    for key in range(10):
        assert store.get(key, lambda k=key: f"<p>{k}</p>") == f"<p>{key}</p>"
        assert len(store) <= 3
    assert 9 in store and 0 not in store
    store.clear()
    assert len(store) == 0


def test_threads_get_the_same_text():
    store = Rendered(maxsize=100)
    seen = []

    def work():
        for key in range(50):
            seen.append((key, store.get(key, lambda k=key: str(k * 2))))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 200
    assert all(text == str(key * 2) for key, text in seen)
    assert len(store) == 50
