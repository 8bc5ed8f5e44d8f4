"""Webhook URL safety: https only by default, public addresses only unless allowed, checked
on every resolved address (getaddrinfo monkeypatched: no DNS traffic)."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from linli.common.errors import InvalidArgument
from linli.notifications.adapters.url_safety import UrlPolicy, check_webhook_url, resolve_target

PUBLIC = UrlPolicy()
DEV = UrlPolicy.from_settings(allow_http=True, allowed_cidrs="127.0.0.0/8, ::1/128")


def fake_dns(monkeypatch: pytest.MonkeyPatch, table: dict[str, list[str]]) -> list[str]:
    asked: list[str] = []

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        asked.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port)) for a in table[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def refused(url: str, policy: UrlPolicy = PUBLIC) -> str:
    with pytest.raises(InvalidArgument) as caught:
        check_webhook_url(url, policy)
    assert caught.value.field == "url"
    return caught.value.message


def test_public_https_url_is_accepted_and_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = fake_dns(monkeypatch, {"hooks.example.org": ["93.184.216.34", "2606:2800:220:1::1"]})
    assert check_webhook_url("HTTPS://Hooks.Example.org:443/in?x=1#frag", PUBLIC) == "https://hooks.example.org/in?x=1"
    assert check_webhook_url("https://hooks.example.org", PUBLIC) == "https://hooks.example.org/"
    assert check_webhook_url("https://hooks.example.org:8443/a", PUBLIC) == "https://hooks.example.org:8443/a"
    assert asked == ["hooks.example.org"] * 3


def test_http_is_refused_by_default_and_allowed_by_the_development_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {"hooks.example.org": ["93.184.216.34"]})
    assert "must use https" in refused("http://hooks.example.org/in")
    assert check_webhook_url("http://hooks.example.org/in", UrlPolicy(allow_http=True)) == "http://hooks.example.org/in"


@pytest.mark.parametrize(
    "url",
    ["ftp://hooks.example.org/", "file:///etc/passwd", "gopher://x/", "//hooks.example.org/", "hooks.example.org"],
)
def test_other_schemes_are_refused(url: str) -> None:
    assert "must use https" in refused(url)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "is required"),
        ("https://user:pw@hooks.example.org/", "user name or password"),
        ("https:///path", "has no host"),
        ("https://hooks.example.org:99999/", "not a valid URL"),
        ("https://hooks.example.org/a b", "spaces or control"),
        ("https://hooks.example.org/\r\nX-Evil: 1", "spaces or control"),
        ("https://" + "a" * 2100 + ".org/", "longer than 2048"),
        ("https://bad_host!.org/", "not a valid host name"),
    ],
)
def test_malformed_urls_are_refused_with_a_clear_message(url: str, words: str) -> None:
    message = refused(url)
    assert message.startswith("url: ")
    assert words in message


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.5",
        "172.16.3.4",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "100.100.100.200",  # Alibaba Cloud metadata (shared address space)
        "0.0.0.0",
        "224.0.0.1",
        "[::1]",
        "[fc00::1]",
        "[fd00:ec2::254]",  # AWS metadata over IPv6
        "[fe80::1]",
        "[::ffff:10.0.0.1]",  # IPv4-mapped
        "[64:ff9b::a9fe:a9fe]",  # NAT64 of 169.254.169.254
        "[2002:a00:1::1]",  # 6to4 of 10.0.0.1
        "[::]",
    ],
)
def test_non_public_literal_addresses_are_refused(address: str) -> None:
    assert "not a public address" in refused(f"https://{address}/hook")


def test_names_resolving_to_private_addresses_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(
        monkeypatch,
        {
            "internal.example.org": ["10.1.2.3"],
            "metadata.example.org": ["169.254.169.254"],
            "mixed.example.org": ["93.184.216.34", "192.168.0.7"],  # one bad address is enough
            "v6.example.org": ["fd12::1"],
        },
    )
    assert "internal.example.org (10.1.2.3)" in refused("https://internal.example.org/")
    assert "169.254.169.254" in refused("https://metadata.example.org/")
    assert "192.168.0.7" in refused("https://mixed.example.org/")
    assert "fd12::1" in refused("https://v6.example.org/")


def test_a_name_that_does_not_resolve_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {})
    assert "does not resolve" in refused("https://nowhere.example.org/")


def test_the_operator_may_allow_private_ranges_and_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_dns(monkeypatch, {"city-platform.internal": ["10.20.0.9"]})
    allowed = UrlPolicy.from_settings(allowed_cidrs=["10.20.0.0/16"])
    assert check_webhook_url("https://city-platform.internal/in", allowed) == "https://city-platform.internal/in"
    assert "not a public address" in refused("https://10.21.0.1/", allowed)
    assert "not a public address" in refused("https://127.0.0.1/", allowed)  # loopback needs its own range
    assert check_webhook_url("http://127.0.0.1:8080/hook", DEV) == "http://127.0.0.1:8080/hook"
    assert check_webhook_url("http://[::1]:8080/hook", DEV) == "http://[::1]:8080/hook"


def test_a_malformed_cidr_in_the_settings_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"10\.0\.0\.0/33"):
        UrlPolicy.from_settings(allowed_cidrs="10.0.0.0/33")


def test_connection_time_check_pins_the_checked_address(monkeypatch: pytest.MonkeyPatch) -> None:
    table = {"hooks.example.org": ["93.184.216.34"]}
    asked = fake_dns(monkeypatch, table)
    target = resolve_target("https://hooks.example.org/in?a=1", PUBLIC)
    assert (target.scheme, target.host, target.port, target.path, target.address) == (
        "https",
        "hooks.example.org",
        443,
        "/in?a=1",
        "93.184.216.34",
    )
    assert target.host_header == "hooks.example.org"
    # DNS rebinding: the name now points inside; the connection-time check refuses it.
    table["hooks.example.org"] = ["127.0.0.1"]
    with pytest.raises(InvalidArgument, match="not a public address"):
        resolve_target("https://hooks.example.org/in", PUBLIC)
    assert asked == ["hooks.example.org", "hooks.example.org"]
