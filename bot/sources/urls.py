"""URL canonicalisation (the identity of a link) and link safety.

`canonical_url` makes the many spellings of one article's address one string:
scheme and host lower-cased (an international host in its IDNA/punycode form), the default port
dropped, an empty path made "/", the fragment dropped, tracking parameters dropped (`utm_*` and the
click and mail identifiers listed in TRACKING_PARAMS), the remaining query parameters sorted (by name,
then value, keeping blank values), percent-escapes upper-cased and unreserved characters unescaped.
Path case is kept (paths are case-sensitive). It is idempotent: canonical_url(canonical_url(u)) == canonical_url(u).
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from bot.sources.netguard import url_refusal

TRACKING_PARAMS = frozenset("""
fbclid gclid gclsrc dclid gbraid wbraid msclkid yclid twclid ttclid li_fat_id igshid mc_cid mc_eid
_ga _gl _hsenc _hsmi __hssc __hstc __hsfp hsctatracking mkt_tok oly_anon_id oly_enc_id vero_id vero_conv
rb_clickid s_cid ncid cmpid wt.mc_id icid ocid spm sr_share ref_src ref_url soc_src soc_trk
""".split())
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
_UNRESERVED = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def is_tracking_param(name: str) -> bool:
    name = name.lower()
    return name.startswith("utm_") or name in TRACKING_PARAMS


def _normalise_escapes(part: str, safe: str) -> str:
    """Percent-escapes upper-cased, escapes of unreserved characters decoded, other odd characters escaped."""
    def fix(match: re.Match) -> str:
        char = chr(int(match.group()[1:], 16))
        return char if char in _UNRESERVED else match.group().upper()
    part = _PERCENT.sub(fix, part)
    return quote(part, safe=safe + "%")


def canonical_url(url: str) -> str:
    """The canonical form of an absolute http(s) URL (see the module doc); other strings come back stripped."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    host = parts.hostname.lower().rstrip(".")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        pass
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _normalise_escapes(parts.path or "/", safe="/:@!$&'()*+,;=")
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    query = urlencode(sorted(pairs), quote_via=quote, safe="")
    return urlunsplit((scheme, netloc, path, query, ""))


def resolve_link(base: str, link: str | None) -> tuple[str | None, str | None]:
    """(absolute URL, None) for a safe link resolved against `base`, or (None, reason) when refused."""
    if not link or not link.strip():
        return None, "no link"
    link = "".join(link.split())  # whitespace inside a URL is noise (and "java\nscript:" a trick)
    absolute = urljoin(base, link) if base else link
    reason = url_refusal(absolute)
    if reason:
        return None, reason
    return absolute, None


def same_site(a: str, b: str) -> bool:
    try:
        return (urlsplit(a).hostname or "").lower() == (urlsplit(b).hostname or "").lower()
    except ValueError:
        return False


__all__ = ["canonical_url", "resolve_link", "is_tracking_param", "TRACKING_PARAMS", "unquote", "same_site"]
