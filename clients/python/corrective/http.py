"""HTTP over urllib: JSON in and out, the error envelope as typed exceptions, retries for transient failures.

Retrying is safe for everything this client sends more than once: rollouts and frames carry client ids, so a
retried upload is stored once (the server answers `duplicate: true`).
"""
from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from typing import Any, Dict, Optional, Tuple

from .errors import CorrectiveError, Unavailable, from_response

USER_AGENT = "corrective-python/0.1"


class Transport:
    def __init__(self, url: str, token: Optional[str] = None, *, timeout: float = 60.0, retries: int = 3, backoff: float = 0.5):
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff

    def request(self, method: str, path: str, body: Any = None, *, raw: Optional[bytes] = None, content_type: Optional[str] = None,
                accept: str = "application/json", retry: bool = True) -> Tuple[int, Dict[str, str], bytes]:
        headers = {"accept": accept, "user-agent": USER_AGENT}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        data: Optional[bytes] = None
        if raw is not None:
            data = raw
            headers["content-type"] = content_type or "application/octet-stream"
        elif body is not None:
            data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
            headers["content-type"] = "application/json"
        attempts = self.retries + 1 if retry else 1
        for attempt in range(attempts):
            req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as res:
                    return res.status, {k.lower(): v for k, v in res.headers.items()}, res.read()
            except urllib.error.HTTPError as e:
                payload = e.read()
                status = e.code
                try:
                    parsed = json.loads(payload) if payload else None
                except ValueError:
                    parsed = None
                ra = e.headers.get("retry-after") if e.headers else None
                err = from_response(status, parsed, float(ra) if ra and ra.replace(".", "", 1).isdigit() else None)
                if status in (502, 503, 504) and attempt + 1 < attempts:
                    time.sleep(self.backoff * 2 ** attempt)
                    continue
                raise err from None
            except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError) as e:
                if attempt + 1 < attempts:
                    time.sleep(self.backoff * 2 ** attempt)
                    continue
                raise Unavailable(f"cannot reach {self.url}: {getattr(e, 'reason', e)}") from None
        raise CorrectiveError("unreachable")  # pragma: no cover

    def json(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        status, _, payload = self.request(method, path, body, **kw)
        if status == 204 or not payload:
            return None
        return json.loads(payload).get("data")
