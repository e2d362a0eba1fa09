from django.test import RequestFactory

from thuladmin.accounts.client_ip import client_ip_address


def _request(forwarded: str | None = None):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", **headers)


def test_without_proxies_the_connection_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip_address(_request("203.0.113.9")) == "10.0.0.2"


def test_behind_one_proxy_the_address_it_appended_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    # The client wrote the first entry itself; the proxy appended the last one.
    assert client_ip_address(_request("198.51.100.1, 203.0.113.9")) == "203.0.113.9"


def test_behind_two_proxies_the_client_is_second_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip_address(_request("203.0.113.9, 10.0.0.7")) == "203.0.113.9"


def test_a_header_shorter_than_the_proxy_chain_falls_back_to_the_connection(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip_address(_request("203.0.113.9")) == "10.0.0.2"
    assert client_ip_address(_request()) == "10.0.0.2"
