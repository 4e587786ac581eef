"""Debian's nginx with the shipped site (deploy/nginx/covenant-portal.conf) in front of the
portal processes of a benchmark, on free loopback ports, with a self-signed certificate for
portal.test: the site rendered by the same code as tests/test_nginx.py."""

import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_nginx import (  # noqa: E402
    HOST,
    NGINX,
    certificate_values,
    nginx_command,
    nginx_conf,
    render_site,
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Nginx:
    """nginx over HTTPS on `self.port`, balancing over the given app servers' ports."""

    host = HOST

    def __init__(self, app_ports: list[int]):
        if not NGINX.exists():
            raise SystemExit("needs Debian's nginx: make system-deps")
        self.folder = Path(tempfile.mkdtemp(prefix="portal-nginx-"))
        self.port = _free_port()
        upstream = "".join(f"server 127.0.0.1:{port};\n    " for port in app_ports).rstrip()
        site = render_site(
            certificate_values(self.folder)
            + [
                ("listen 80;", f"listen 127.0.0.1:{_free_port()};"),
                ("listen 443 ssl http2;", f"listen 127.0.0.1:{self.port} ssl http2;"),
                ("listen [::]:80;", ""),
                ("listen [::]:443 ssl http2;", ""),
                ("server_name portal.example.eu;", f"server_name {HOST};"),
                ("root /srv/covenant-portal;", f"root {ROOT};"),
                ("server 127.0.0.1:8000;\n    server 127.0.0.1:8001;", upstream),
                ("/var/log/nginx/", f"{self.folder}/"),
            ]
        )
        # The workers as on a real server: one per core (Debian's worker_processes auto).
        conf = nginx_conf(self.folder, site)
        conf.write_text(conf.read_text().replace("worker_processes 1;", "worker_processes auto;"))
        self.process = subprocess.Popen(  # noqa: S603 (fixed arguments)
            nginx_command(conf), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit(f"nginx did not start: {(self.folder / 'error.log').read_text()}")
        self.tls = ssl.create_default_context(cafile=str(self.folder / "cert.pem"))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)
