"""The SSRF guard: which URLs and addresses the fetcher may reach. Pure; no I/O.

A feed URL is untrusted input (an OPML file, a redirect, later a link inside an
article), so the fetcher must never become a way to reach the machine's own
services or the cloud metadata endpoint. The rule: an address is reachable only if
it is globally routable, or the config explicitly allows it. It is applied to the
*resolved* address at connect time (so DNS tricks and decimal/hex host spellings such
as ``http://2130706433/`` or ``http://0x7f.1/`` cannot slip past) and on every redirect
hop, because each hop connects anew. Checking the URL text alone is not enough.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import BlockedAddressError, UnsupportedURLError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
ALLOWED_SCHEMES = ("http", "https")

# Ranges Python's ``is_global`` may not flag in every version, named for clarity.
_ALWAYS_BLOCKED = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, including 169.254.169.254 metadata
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",
        "255.255.255.255/32",
        "::/128",
        "::1/128",
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "ff00::/8",  # multicast
        "fec0::/10",  # deprecated site-local
        "64:ff9b::/96",  # NAT64 can reach any IPv4 address, private ones included
        "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215)
        "::ffff:0:0:0/96",  # IPv4-translated (SIIT)
        "2002::/16",  # 6to4 embeds an IPv4 address
    )
]


#: link-local (and so the cloud metadata endpoint) stays blocked even when private
#: networks are allowed: no feed lives there; list an address in allowed_networks if one does
_LINK_LOCAL = [ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10")]


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses may be connected to."""

    allow_private: bool = False
    allowed_networks: tuple[str, ...] = ()

    def permits(self, address: IPAddress) -> bool:
        if isinstance(address, ipaddress.IPv6Address):
            embedded = address.ipv4_mapped or _ipv4_compatible(address)
            if embedded is not None:
                address = embedded
        for net in self.allowed_networks:
            if address in ipaddress.ip_network(net, strict=False):
                return True
        if self.allow_private:
            return not any(address.version == net.version and address in net for net in _LINK_LOCAL)
        return is_public(address)

    def check(self, address: IPAddress, host: str) -> None:
        if not self.permits(address):
            raise BlockedAddressError(
                f"refused to connect to {host} ({address}): not a public address; "
                "set [network] allow_private_networks = true or list it in allowed_networks to allow it"
            )


def _ipv4_compatible(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    # ::a.b.c.d (deprecated IPv4-compatible form) is routed as IPv4 by some stacks
    if int(address) >> 32 == 0 and int(address) > 1:  # ::a.b.c.d
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """True for a globally routable unicast address."""
    if any(address.version == net.version and address in net for net in _ALWAYS_BLOCKED):
        return False
    return address.is_global and not address.is_multicast


def numeric_host(host: str) -> IPAddress | None:
    """The address a host *spelled as a number* stands for, or None for a name.

    Accepts what the C library does: dotted quads, ``127.1``, decimal ``2130706433``,
    hex ``0x7f000001`` and octal ``0177.0.0.1``, and IPv6 literals.
    """
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not host or not all(c in "0123456789abcdefxABCDEFX." for c in host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def check_url(url: str, policy: AddressPolicy) -> str:
    """Validate scheme and host of ``url``; refuse numeric hosts the policy forbids.

    Named hosts are checked after resolution, at connect time (see fetch.http).
    Returns the URL unchanged.
    """
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise UnsupportedURLError(f"not a valid URL: {url!r} ({exc})") from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise UnsupportedURLError(f"only http and https URLs can be fetched, not {url!r}")
    try:
        host = parts.hostname
    except ValueError:
        host = None
    if not host:
        raise UnsupportedURLError(f"URL has no host: {url!r}")
    address = numeric_host(host)
    if address is not None:
        policy.check(address, host)
    return url
