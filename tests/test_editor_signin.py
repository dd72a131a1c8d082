"""Signing in to the admin is throttled per account and address (django-axes): five failures lock
that pair out for 15 minutes, with a clear page; the lock ends by itself."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "a-long-enough-password-1"


@pytest.fixture
def editor(db):
    return User.objects.create_user("editor", password=PASSWORD, is_staff=True)


def sign_in(client, password, username="editor", address="192.0.2.10", **headers):
    data = {"username": username, "password": password, "next": "/admin/"}
    return client.post(LOGIN, data, REMOTE_ADDR=address, **headers)


def fail(client, times, **kwargs):
    """Sign in with a wrong password `times` times: the form says so, until the fifth locks."""
    for attempt in range(1, times + 1):
        assert sign_in(client, "wrong", **kwargs).status_code == (429 if attempt == 5 else 200)


def test_a_right_password_signs_in(client, editor):
    response = sign_in(client, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"


def test_five_failures_lock_the_account_from_that_address(client, editor):
    fail(client, 5)
    response = sign_in(client, PASSWORD)  # even with the right password
    assert response.status_code == 429
    html = response.content.decode()
    assert "failed 5 times in a row" in html and "Try again in 15 minutes" in html
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not(client, editor):
    fail(client, 4)
    assert sign_in(client, PASSWORD).status_code == 302


def test_the_same_account_from_another_address_is_not_locked(client, editor):
    fail(client, 5)
    assert sign_in(client, PASSWORD, address="198.51.100.7").status_code == 302


def test_another_account_from_the_same_address_is_not_locked(client, editor):
    User.objects.create_user("publisher", password=PASSWORD, is_staff=True)
    fail(client, 5)
    assert sign_in(client, PASSWORD, username="publisher").status_code == 302


def test_the_lock_ends_by_itself(client, editor):
    fail(client, 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timezone.timedelta(minutes=16))
    assert sign_in(client, PASSWORD).status_code == 302


def test_a_success_clears_the_count(client, editor):
    fail(client, 4)
    assert sign_in(client, PASSWORD).status_code == 302
    client.logout()
    fail(client, 4)
    assert sign_in(client, PASSWORD).status_code == 302


class TestBehindAProxy:
    """Production behind DJANGO_BEHIND_HTTPS_PROXY counts by the address the proxy forwards."""

    @pytest.fixture(autouse=True)
    def behind_proxy(self, settings):
        settings.AXES_CLIENT_IP_CALLABLE = "editorial.views.forwarded_address"

    def via_proxy(self, client, password, forwarded):
        return sign_in(client, password, address="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    def test_a_lock_covers_the_client_not_everyone_behind_the_proxy(self, client, editor):
        for attempt in range(1, 6):
            assert self.via_proxy(client, "wrong", "203.0.113.5").status_code == (
                429 if attempt == 5 else 200
            )
        assert self.via_proxy(client, PASSWORD, "203.0.113.5").status_code == 429
        assert self.via_proxy(client, PASSWORD, "198.51.100.9").status_code == 302

    def test_addresses_the_client_put_before_the_proxys_do_not_count(self, client, editor):
        for n in range(5):
            self.via_proxy(client, "wrong", f"192.0.2.{n}, 203.0.113.5")
        assert self.via_proxy(client, PASSWORD, "203.0.113.5").status_code == 429

    @pytest.mark.parametrize("forwarded", ["", "not an address", "a\x00b", "999.1.1.1"])
    def test_without_a_usable_forwarded_address_the_proxys_counts(self, client, editor, forwarded):
        assert self.via_proxy(client, "wrong", forwarded).status_code == 200
        assert AccessAttempt.objects.get().ip_address == "10.0.0.1"
