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


def make_ca_and_server_cert(
    directory: Path, name: str, address: str = "127.0.0.1"
) -> tuple[Path, Path, Path]:
    """Write a test CA and a server certificate for ``address`` signed by it."""
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
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, address)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.ip_address(address)),
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
    key_path.chmod(0o600)
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


AD_REALM = "CORP.EXAMPLE"
AD_DOMAIN = "CORP"
AD_BASE = "dc=corp,dc=example"
AD_ADMIN_PASSWORD = "Adm1n-Passw0rd!Test"


class SambaDc:
    """A Samba Active Directory domain controller in a private folder.

    Only the LDAP service runs. Samba 4.17 cannot move its LDAP ports (389
    and 636) and only binds addresses of real interfaces, so the DC listens on
    127.0.0.1:389; ``port_in_use`` lets a test skip when another program
    already listens on that port. It runs as root, like any Samba DC.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.address = "127.0.0.1"
        self.url = f"ldap://{self.address}"
        self.ca_path, self.cert_path, self.key_path = make_ca_and_server_cert(
            directory, "samba", self.address
        )
        self.config_path = directory / "dc" / "etc" / "smb.conf"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def ca_certificate(self) -> str:
        return self.ca_path.read_text()

    def tool(self, *args: str) -> None:
        subprocess.run(
            ["samba-tool", *args, "-s", str(self.config_path)],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def provision(self) -> None:
        log = self.directory / "samba.log"
        options = {
            "interfaces": "lo",
            "bind interfaces only": "yes",
            "tls enabled": "yes",
            "tls keyfile": str(self.key_path),
            "tls certfile": str(self.cert_path),
            "tls cafile": str(self.ca_path),
            "log file": str(log),
            "server services": "ldap",
        }
        subprocess.run(
            [
                "samba-tool",
                "domain",
                "provision",
                f"--targetdir={self.directory / 'dc'}",
                f"--realm={AD_REALM}",
                f"--domain={AD_DOMAIN}",
                "--server-role=dc",
                "--dns-backend=NONE",
                f"--adminpass={AD_ADMIN_PASSWORD}",
                "--host-name=dc1",
                f"--host-ip={self.address}",
                *[f"--option={name}={value}" for name, value in options.items()],
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )

    def start(self) -> SambaDc:
        self.process = subprocess.Popen(
            [
                "samba",
                "-s",
                str(self.config_path),
                "--foreground",
                "--no-process-group",
            ],
            stdout=(self.directory / "samba.out").open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = (self.directory / "samba.out").read_text(errors="replace")
                raise RuntimeError(f"samba exited early:\n{output}")
            try:
                probe = Connection(Server(self.url, connect_timeout=1))
                if probe.open() is None and probe.bound is False:
                    probe.unbind()
                    return self
            except Exception:  # noqa: S110 - still starting
                pass
            time.sleep(0.2)
        raise RuntimeError("samba did not start")

    @staticmethod
    def port_in_use() -> bool:
        import socket

        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", 389)) == 0

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
