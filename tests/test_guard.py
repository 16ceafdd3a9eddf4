"""The SSRF guard's decisions on addresses and URLs (no network)."""

import ipaddress

import pytest

from aggregator.errors import BlockedAddressError, UnsupportedURLError
from aggregator.fetch.guard import AddressPolicy, check_url, is_public, numeric_host

BLOCKED = ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
           "100.127.255.254", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1",
           "fd00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "ff02::1", "::127.0.0.1",
           "64:ff9b:1::7f00:1", "::ffff:0:7f00:1", "fec0::1"]
PUBLIC = ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "100.128.0.1"]


@pytest.mark.parametrize("address", BLOCKED)
def test_non_global_addresses_are_refused(address):
    assert not AddressPolicy().permits(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address):
    assert is_public(ipaddress.ip_address(address))
    assert AddressPolicy().permits(ipaddress.ip_address(address))


@pytest.mark.parametrize("host,expected", [
    ("2130706433", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("0x7f.0.0.1", "127.0.0.1"),
    ("0177.0.0.1", "127.0.0.1"), ("127.1", "127.0.0.1"), ("[::1]", "::1"), ("example.org", None),
    ("deadbeef.example", None),
])
def test_numeric_host_spellings(host, expected):
    found = numeric_host(host)
    assert (str(found) if found else None) == expected


@pytest.mark.parametrize("url", ["http://2130706433/", "http://0x7f.1/", "http://[::ffff:7f00:1]/",
                                 "https://169.254.169.254/latest/meta-data/"])
def test_numeric_urls_refused_before_any_lookup(url):
    with pytest.raises(BlockedAddressError, match="not a public address"):
        check_url(url, AddressPolicy())


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/feed", "gopher://x/", "http://", "feed.xml"])
def test_only_http_urls(url):
    with pytest.raises(UnsupportedURLError):
        check_url(url, AddressPolicy())


def test_allowances():
    assert AddressPolicy(allow_private=True).permits(ipaddress.ip_address("127.0.0.1"))
    # allowing private networks still keeps the metadata endpoint out, unless listed
    assert not AddressPolicy(allow_private=True).permits(ipaddress.ip_address("169.254.169.254"))
    assert AddressPolicy(True, ("169.254.169.254/32",)).permits(ipaddress.ip_address("169.254.169.254"))
    narrow = AddressPolicy(allowed_networks=("192.168.1.20/32",))
    assert narrow.permits(ipaddress.ip_address("192.168.1.20"))
    assert not narrow.permits(ipaddress.ip_address("192.168.1.21"))
