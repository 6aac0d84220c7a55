"""uvicorn's httptools protocol with the service's JSON refusal (see :func:`service.edge.json_protocol`)."""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from service.edge import _protocol_refusal


class JsonErrorHttpToolsProtocol(HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:
        status, body = _protocol_refusal(getattr(self, "url", b"") or b"")
        line = STATUS_LINE.get(status) or f"HTTP/1.1 {status} URI Too Long\r\n".encode()
        content = [line]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend([b"content-type: application/json\r\n",
                        b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                        b"x-content-type-options: nosniff\r\n", b"connection: close\r\n", b"\r\n", body])
        self.transport.write(b"".join(content))
        self.transport.close()
