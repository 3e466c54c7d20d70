"""The demo's port check: a listening process makes a port busy, TIME_WAIT does not."""

from __future__ import annotations

import socket

import pytest

from streams.demo.children import DemoError
from streams.demo.options import DemoOptions
from streams.demo.stack import check_ports_free


def port_pair_in_time_wait() -> int:
    """A port whose only trace is a closed connection in TIME_WAIT (the server closed
    first, as a metrics server does after answering a scrape), and whose successor is free."""
    while True:
        with socket.socket() as server:
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind(("127.0.0.1", 0))
            port: int = server.getsockname()[1]  # (host, port) for AF_INET
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port + 1)) == 0:
                    continue
            server.listen()
            client = socket.create_connection(("127.0.0.1", port))
            conn, _ = server.accept()
            conn.close()  # active close: this side goes to TIME_WAIT
            client.close()
        return port


def in_time_wait(port: int) -> bool:
    local = f"0100007F:{port:04X}"
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    return any(row[1] == local and row[3] == "06" for row in rows)  # 06 = TIME_WAIT


def test_a_port_left_in_time_wait_by_a_previous_run_is_free() -> None:
    port = port_pair_in_time_wait()
    assert in_time_wait(port)
    check_ports_free(DemoOptions(metrics_port=port))  # no DemoError


def test_a_port_a_process_listens_on_is_busy() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        with pytest.raises(DemoError, match=f"port {port} is in use"):
            check_ports_free(DemoOptions(metrics_port=port))
