"""Status callbacks reach public addresses only, and exactly the address that was checked.

Checking a name and then letting httpx resolve it again when it connects leaves a window for DNS
rebinding: the name answers a public address to the check and a private one (our network, the cloud's
metadata service) to the connection. `PinnedTransport` connects to the checked address instead, keeping
the host name in the Host header and for TLS (SNI and the certificate's name check).
"""

import ipaddress
import socket

import httpx


def address_resolve(host: str, port: int | None, *, allow_private: bool = False) -> str | None:
    """The address to connect to: the first `host` resolves to, when every one of them is public (any,
    with `allow_private`); None when it does not resolve or one is not public."""
    try:
        infos = socket.getaddrinfo(host, port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return None
    addresses = list(dict.fromkeys(info[4][0].split("%")[0] for info in infos))
    if not addresses:
        return None
    if allow_private or all(ipaddress.ip_address(a).is_global for a in addresses):
        return addresses[0]
    return None


class PinnedTransport(httpx.BaseTransport):
    """An httpx transport that sends requests for `host` to `address` and refuses any other host."""

    def __init__(self, *, host: str, address: str, inner: httpx.BaseTransport | None = None):
        self.host, self.address = host, address
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.host != self.host:
            raise httpx.ConnectError("only the checked host is reachable", request=request)
        # The Host header was set from the URL when the request was built; SNI and the certificate
        # check use `sni_hostname` (httpcore), so TLS still speaks to and verifies the name.
        request.url = request.url.copy_with(host=self.address)
        request.extensions = {**request.extensions, "sni_hostname": self.host}
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()
