"""A real OpenLDAP server (Debian's slapd) for the tests: a throw-away config and database in a temporary
folder, loaded with slapadd, listening on a free port of 127.0.0.1."""

import shutil
import socket
import subprocess
import time
from pathlib import Path

SUFFIX = "dc=example,dc=com"
PEOPLE = f"ou=people,{SUFFIX}"
ADMIN_DN = f"cn=admin,{SUFFIX}"
ADMIN_PASSWORD = "directory-admin"
SCHEMA = Path("/etc/ldap/schema")

# uid, employeeNumber (or None), mail (or None), password
ENTRIES = [
    ("yutong", "E1001", "yutong.zheng@example.com", "ldap-pass-yutong"),
    ("liwei", None, "wei.li@example.com", "ldap-pass-liwei"),
    ("stranger", "X9999", "stranger@example.com", "ldap-pass-stranger"),
    ("leaver", "E1003", "leaver@example.com", "ldap-pass-leaver"),
]


def _program(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if not found:
        raise RuntimeError(f"{name} is not installed (Debian packages slapd and ldap-utils, see .ci/run)")
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Slapd:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = _free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}"
        self.process = None

    def _write_config(self) -> Path:
        (self.folder / "db").mkdir()
        config = self.folder / "slapd.conf"
        config.write_text("\n".join([
            *(f"include {SCHEMA / name}" for name in ("core.schema", "cosine.schema", "inetorgperson.schema")),
            f"pidfile {self.folder / 'slapd.pid'}",
            "modulepath /usr/lib/ldap",
            "moduleload back_mdb",
            "database mdb",
            "maxsize 10485760",
            f'suffix "{SUFFIX}"',
            f'rootdn "{ADMIN_DN}"',
            f"rootpw {ADMIN_PASSWORD}",
            f"directory {self.folder / 'db'}",
            # Only the service account may search; each person may bind as themselves.
            "access to attrs=userPassword by anonymous auth by * none",
            f'access to * by dn.exact="{ADMIN_DN}" read by self read by * none',
            "",
        ]))
        return config

    def _write_entries(self) -> Path:
        blocks = [
            f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n",
            f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        ]
        for uid, employee_no, mail, password in ENTRIES:
            lines = [f"dn: uid={uid},{PEOPLE}", "objectClass: inetOrgPerson", f"uid: {uid}", f"cn: {uid}",
                     f"sn: {uid}", f"userPassword: {password}"]
            if employee_no:
                lines.append(f"employeeNumber: {employee_no}")
            if mail:
                lines.append(f"mail: {mail}")
            blocks.append("\n".join(lines) + "\n")
        data = self.folder / "people.ldif"
        data.write_text("\n".join(blocks))
        return data

    def start(self) -> None:
        config = self._write_config()
        data = self._write_entries()
        subprocess.run([_program("slapadd"), "-f", str(config), "-l", str(data)], check=True,
                       capture_output=True, timeout=30)
        # -d 0: stay in the foreground (so the test run owns the process), logging nothing.
        self.process = subprocess.Popen(
            [_program("slapd"), "-f", str(config), "-h", self.uri + "/", "-d", "0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"slapd stopped at start: {self.process.stderr.read().decode()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("slapd did not start listening within 15 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
