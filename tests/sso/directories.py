"""A private OpenLDAP ``slapd`` for the tests, with TLS from a test CA."""

from __future__ import annotations

import datetime
import ipaddress
import signal
import subprocess
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from ldap3 import Connection, Server

from tests.live import free_port

SUFFIX = "dc=corp,dc=example"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "slapd-admin-password"
SCHEMAS = ("core", "cosine", "nis", "inetorgperson")


def write_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def make_ca_and_server_cert(directory: Path, name: str) -> tuple[Path, Path, Path]:
    """Write a test CA and a server certificate for 127.0.0.1 signed by it."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.DNSName("localhost"),
                ]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path = directory / f"{name}-ca.crt"
    cert_path = directory / f"{name}.crt"
    key_path = directory / f"{name}.key"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    write_key(key_path, key)
    return ca_path, cert_path, key_path


class Slapd:
    """One slapd on a free port, StartTLS-capable, loaded from ``ldif``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.ca_path, self.cert_path, self.key_path = make_ca_and_server_cert(
            directory, "slapd"
        )
        self.pid_path = directory / "slapd.pid"

    @property
    def ca_certificate(self) -> str:
        return self.ca_path.read_text()

    def config(self) -> str:
        hashed = subprocess.run(
            ["slappasswd", "-s", ADMIN_PASSWORD],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        includes = "\n".join(
            f"include /etc/ldap/schema/{name}.schema" for name in SCHEMAS
        )
        return f"""{includes}
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {self.pid_path}
TLSCACertificateFile {self.ca_path}
TLSCertificateFile {self.cert_path}
TLSCertificateKeyFile {self.key_path}
database mdb
maxsize 104857600
suffix "{SUFFIX}"
rootdn "{ADMIN_DN}"
rootpw {hashed}
directory {self.directory / "db"}
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
"""

    def start(self, ldif: str) -> Slapd:
        (self.directory / "db").mkdir()
        config_path = self.directory / "slapd.conf"
        config_path.write_text(self.config())
        subprocess.run(
            ["/usr/sbin/slapd", "-f", str(config_path), "-h", f"{self.url}/"],
            check=True,
            capture_output=True,
        )
        self.wait_ready()
        ldif_path = self.directory / "base.ldif"
        ldif_path.write_text(ldif)
        subprocess.run(
            [
                "ldapadd",
                "-x",
                "-H",
                self.url,
                "-D",
                ADMIN_DN,
                "-w",
                ADMIN_PASSWORD,
                "-f",
                str(ldif_path),
            ],
            check=True,
            capture_output=True,
        )
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                probe = Connection(Server(self.url, connect_timeout=1))
                if probe.bind():
                    probe.unbind()
                    return
            except Exception:  # noqa: S110 - still starting
                pass
            time.sleep(0.1)
        raise RuntimeError("slapd did not start")

    def stop(self) -> None:
        if self.pid_path.exists():
            pid = int(self.pid_path.read_text().strip())
            try:
                import os

                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.pid_path.exists():
                time.sleep(0.05)
