"""Which webhook URLs the service may call: the guard against server-side request forgery.

An agency admin names a URL and the service POSTs to it from inside the city's network, so
the URL must not reach what only the service can reach (the cloud metadata endpoint, the
database, the Kafka broker, an admin console on 10.x). The rules:

- ``https`` only; ``http`` only when the operator allows it (``UrlPolicy.allow_http``, for
  development and tests).
- No user name or password in the URL, a host name or literal address, a port in range, at
  most ``MAX_URL_LENGTH`` characters.
- Every address the host resolves to must be public (``ipaddress``'s "global", and not
  multicast or reserved; IPv4 inside IPv6 (mapped, 6to4, NAT64) is judged by the IPv4
  address), unless it lies in one of the operator's ``allowed_networks`` (CIDRs). Loopback,
  private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16 and the metadata
  address 169.254.169.254, fe80::/10), shared (100.64/10, where Alibaba Cloud's metadata
  100.100.100.200 lives) and unspecified addresses are refused unless so allowed.

The same check runs twice: when a subscription is created or changed
(``check_webhook_url``, which N3's handler calls and which raises ``InvalidArgument``), and
at every connection (``resolve_target``), whose result names the very address that passed,
so the sender connects to that address (not to whatever a second DNS lookup says: DNS
rebinding cannot switch it) while it keeps the host name for the Host header and the TLS
certificate check.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

from linli.common.errors import InvalidArgument

MAX_URL_LENGTH = 2048

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


class UnsafeUrl(InvalidArgument):
    """A webhook URL the policy refuses (an ``InvalidArgument`` on the ``url`` field)."""


@dataclass(frozen=True)
class UrlPolicy:
    """The operator's rules for webhook URLs (see the module docstring)."""

    allow_http: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, *, allow_http: bool = False, allowed_cidrs: str | Iterable[str] = "") -> UrlPolicy:
        """The policy from configuration values: ``allowed_cidrs`` as a comma-separated string
        ("10.1.0.0/16, 127.0.0.0/8") or a list. A malformed CIDR raises ``ValueError``."""
        items = allowed_cidrs.split(",") if isinstance(allowed_cidrs, str) else list(allowed_cidrs)
        networks = tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip())
        return cls(allow_http=allow_http, allowed_networks=networks)

    def address_allowed(self, address: IPAddress) -> bool:
        """True when ``address`` is public, or inside one of the allowed networks."""
        if any(address in network for network in self.allowed_networks if network.version == address.version):
            return True
        return is_public(address)


@dataclass(frozen=True)
class Target:
    """Where to connect for one webhook URL: the checked address, and the names to keep."""

    scheme: str
    host: str  # the host name (or literal address) for the Host header and TLS
    port: int
    path: str  # path and query, at least "/"
    address: str  # the resolved address that passed the policy: connect here

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def is_public(address: IPAddress) -> bool:
    """True for an address on the public internet; IPv4 carried inside IPv6 is judged by the
    IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public(embedded)
        if address in _NAT64_LOCAL:
            return False
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def check_webhook_url(url: str, policy: UrlPolicy) -> str:
    """The URL, normalised (scheme and host lower-case, fragment dropped, "/" for an empty
    path), when the policy allows it now; else ``InvalidArgument`` (field ``url``) saying why.
    Resolves the host name (the subscription-time check)."""
    parts, host, port = _parse(url, policy)
    _resolve_allowed(host, port, policy)
    return _normalised(parts, host, port)


def resolve_target(url: str, policy: UrlPolicy) -> Target:
    """The connection-time check: parses and resolves the URL again and returns the first
    address that passed, with every resolved address required to pass (a host that resolves
    to one public and one private address is refused). Raises ``InvalidArgument``."""
    parts, host, port = _parse(url, policy)
    addresses = _resolve_allowed(host, port, policy)
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(scheme=parts.scheme.lower(), host=host, port=port, path=path, address=str(addresses[0]))


def _refuse(message: str) -> UnsafeUrl:
    return UnsafeUrl(f"url: {message}", field="url")


def _parse(url: str, policy: UrlPolicy) -> tuple[SplitResult, str, int]:
    if not url or not url.strip():
        raise _refuse("is required")
    if len(url) > MAX_URL_LENGTH:
        raise _refuse(f"is longer than {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise _refuse("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port_value = parts.port
    except ValueError as exc:
        raise _refuse(f"is not a valid URL ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme == "http":
        if not policy.allow_http:
            raise _refuse("must use https (http is allowed only when the operator enables it for development)")
    elif scheme != "https":
        raise _refuse(f"must use https, not {scheme or 'no scheme'!r}")
    if parts.username is not None or parts.password is not None:
        raise _refuse("must not carry a user name or password")
    raw_host = parts.hostname
    if not raw_host:
        raise _refuse("has no host")
    host = _ascii_host(raw_host)
    port = port_value if port_value is not None else (443 if scheme == "https" else 80)
    if port == 0:
        raise _refuse("port 0 is not allowed")
    return parts, host, port


def _ascii_host(raw_host: str) -> str:
    host = raw_host.rstrip(".").lower()
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    try:
        encoded = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise _refuse(f"host {raw_host!r} is not a valid host name") from exc
    labels = encoded.split(".")
    if not encoded or any(not label or len(label) > 63 for label in labels) or len(encoded) > 253:
        raise _refuse(f"host {raw_host!r} is not a valid host name")
    if not all(ch.isalnum() or ch in "-_" for label in labels for ch in label):
        raise _refuse(f"host {raw_host!r} is not a valid host name")
    return encoded


def _resolve_allowed(host: str, port: int, policy: UrlPolicy) -> list[IPAddress]:
    addresses = _resolve(host, port)
    for address in addresses:
        if not policy.address_allowed(address):
            shown = host if host == str(address) else f"{host} ({address})"
            raise _refuse(
                f"host {shown} is not a public address (loopback, private, link-local and metadata "
                "addresses are refused unless the operator allows their range)"
            )
    return addresses


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise _refuse(f"host {host} does not resolve ({exc})") from exc
    addresses: list[IPAddress] = []
    for info in infos:
        sockaddr = info[4]
        text = str(sockaddr[0]).split("%", 1)[0]  # drop an IPv6 zone
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            continue
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise _refuse(f"host {host} does not resolve")
    return addresses


def _normalised(parts: SplitResult, host: str, port: int) -> str:
    scheme = parts.scheme.lower()
    default = 443 if scheme == "https" else 80
    shown = f"[{host}]" if ":" in host else host
    netloc = shown if port == default else f"{shown}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
