"""Canonical URLs: one article, one address. Pure.

The same article reaches us as ``...?utm_source=rss#comments`` from one feed and bare
from another; identity, de-duplication and clustering compare canonical forms.
Only parameters that are known to be tracking are removed; the rest keep their order,
since some sites route on them.
"""

from __future__ import annotations

from urllib.parse import unquote_plus, urlsplit, urlunsplit

TRACKING_PREFIXES = ("utm_", "_hs", "mc_", "pk_", "mtm_", "oly_")
TRACKING_PARAMS = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "igshid", "twclid",
    "mkt_tok", "ref_src", "ref_url", "_ga", "_gl", "vero_id", "rb_clickid", "s_cid", "ncid",
    "cmpid", "wt_mc", "at_medium", "at_campaign", "guccounter", "guce_referrer", "guce_referrer_sig",
}


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters.

    None for anything that is not a valid http(s) URL.
    """
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        return None  # only web addresses identify articles; never keep javascript: or data:
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    if parts.username or parts.password:
        host = f"{parts.username or ''}{':' + parts.password if parts.password else ''}@{host}"
    # filter the raw segments rather than decode and re-encode: the rest stays byte-identical
    query = "&".join(segment for segment in parts.query.split("&") if segment and not _is_tracking(segment))
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def _is_tracking(segment: str) -> bool:
    key = unquote_plus(segment.split("=", 1)[0]).lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)
