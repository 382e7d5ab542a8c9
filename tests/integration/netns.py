"""A private switched test network of Linux network namespaces (needs root).

Each "host" is a named network namespace with one veth interface, eth0, on a
private subnet (10.200.0.0/24 by default); the other end of every veth is a
port of a bridge that lives in a switch namespace of its own. The test
process itself joins the network as a client: `enter_private_namespace()`
moves it (once, before any thread exists) into an anonymous namespace of its
own, which gets a veth to the switch too. Nothing is created in, or routed
through, the host's default namespace: the test addresses exist only inside
these namespaces, so no packet can leave them.

Neighbour (ARP) entries are static, so cutting a host's switch port makes its
packets vanish (no ARP failure, no ICMP error): the peers see a silent
partition, like a pulled cable between racks.

    enter_private_namespace()                  # first, before gRPC starts threads
    net = TestNetwork("lpnf", {"index-0": "10.200.0.11"})
    try:
        net.create()
        subprocess.Popen(net.exec_prefix("index-0") + ["loupe-index", ...])
        net.cut("index-0"); ...; net.heal("index-0")
    finally:
        net.destroy()                          # also on failure

Names: namespaces are "<prefix><pid>-<host>", so leftovers of an earlier run
that died (`remove_leftovers(prefix)`) are recognised and deleted.
"""
import ctypes
import ctypes.util
import json
import os
import re
import shutil
import signal
import subprocess

CLONE_NEWNET = 0x40000000
CLIENT_DEVICE = "lpnf-client"


def _run(args, check=True):
    """Runs a command; raises with its stderr when `check` and it fails."""
    result = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            timeout=30)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({result.returncode}): "
                           f"{result.stderr.strip()}")
    return result


def unavailable_reason(prefix):
    """None when this process can build test networks; otherwise why not.

    Checks root, the `ip` tool, and that a namespace, a veth pair and a
    bridge can really be created (containers often forbid it).
    """
    if os.geteuid() != 0:
        return "needs root (network namespaces)"
    if shutil.which("ip") is None:
        return "the `ip` tool (iproute2) is not installed"
    probe = f"{prefix}{os.getpid()}-probe"
    try:
        for args in (["ip", "netns", "add", probe],
                     ["ip", "netns", "exec", probe, "ip", "link", "add", "name", "probe-a", "type",
                      "veth", "peer", "name", "probe-b"],
                     ["ip", "netns", "exec", probe, "ip", "link", "add", "name", "probe-br",
                      "type", "bridge"]):
            result = _run(args, check=False)
            if result.returncode != 0:
                return f"`{' '.join(args)}` failed: {result.stderr.strip()}"
    except (OSError, subprocess.SubprocessError) as error:
        return f"`ip netns` is unavailable: {error}"
    finally:
        _run(["ip", "netns", "del", probe], check=False)
    return None


def enter_private_namespace():
    """Moves this process into a new, empty network namespace (loopback up).

    Must run before any thread exists: a namespace change only affects the
    calling thread, and threads created later inherit it. Raises otherwise.
    """
    threads = os.listdir("/proc/self/task")
    if len(threads) != 1:
        raise RuntimeError(f"enter_private_namespace needs a single-threaded process "
                           f"({len(threads)} threads): call it before creating gRPC channels")
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"unshare(CLONE_NEWNET): {os.strerror(errno)}")
    _run(["ip", "link", "set", "lo", "up"])


def _namespace_pids(namespace):
    result = _run(["ip", "netns", "pids", namespace], check=False)
    return [int(pid) for pid in result.stdout.split()] if result.returncode == 0 else []


def remove_leftovers(prefix):
    """Deletes namespaces "<prefix><pid>-*" whose creating process is gone.

    Processes still running inside them (services of a run that was killed)
    are killed first; their veths disappear with the namespaces.
    """
    listing = _run(["ip", "netns", "list"], check=False).stdout
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)-\S+")
    for line in listing.splitlines():
        match = pattern.match(line)
        if not match:
            continue
        owner = int(match.group(1))
        if owner != os.getpid() and os.path.exists(f"/proc/{owner}"):
            continue  # another run, still alive
        namespace = match.group(0)
        for pid in _namespace_pids(namespace):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _run(["ip", "netns", "del", namespace], check=False)


class TestNetwork:
    """Hosts on one bridge; `hosts` maps a host name to its IPv4 address.

    The calling process (see enter_private_namespace) is the client at
    `client_address`. Host names become namespace and port names, so keep
    them short (switch ports are "v-<host>", at most 15 characters).
    """

    def __init__(self, prefix, hosts, client_address="10.200.0.2", prefix_length=24):
        self.prefix = f"{prefix}{os.getpid()}-"
        self.hosts = dict(hosts)
        self.client_address = client_address
        self.prefix_length = prefix_length
        self.switch = self.prefix + "switch"
        self.created = []  # namespaces made so far, deleted by destroy()
        for host in self.hosts:
            if len(self.port(host)) > 15:
                raise ValueError(f"host name too long for an interface name: {host!r}")

    def namespace(self, host):
        return self.prefix + host

    @staticmethod
    def port(host):
        return f"v-{host}"

    def exec_prefix(self, host):
        """The command prefix that runs a program on `host`."""
        return ["ip", "netns", "exec", self.namespace(host)]

    def _in(self, namespace, *args):
        return _run(["ip", "netns", "exec", namespace] + list(args))

    def _add_namespace(self, namespace):
        _run(["ip", "netns", "add", namespace])
        self.created.append(namespace)
        self._in(namespace, "ip", "link", "set", "lo", "up")

    def create(self):
        """Builds the switch, every host and the client link; all up."""
        self._add_namespace(self.switch)
        self._in(self.switch, "ip", "link", "add", "name", "br0", "type", "bridge")
        self._in(self.switch, "ip", "link", "set", "br0", "up")
        macs = {}
        for host, address in self.hosts.items():
            namespace = self.namespace(host)
            self._add_namespace(namespace)
            _run(["ip", "link", "add", "name", "eth0", "netns", namespace, "type", "veth",
                  "peer", "name", self.port(host), "netns", self.switch])
            self._in(namespace, "ip", "addr", "add", f"{address}/{self.prefix_length}",
                     "dev", "eth0")
            self._in(namespace, "ip", "link", "set", "eth0", "up")
            self._attach(self.port(host))
            macs[address] = self._mac(["ip", "netns", "exec", namespace], "eth0")
        # The client's end is in this process's own (private) namespace.
        _run(["ip", "link", "add", "name", CLIENT_DEVICE, "type", "veth", "peer", "name",
              "v-client", "netns", self.switch])
        _run(["ip", "addr", "add", f"{self.client_address}/{self.prefix_length}", "dev",
              CLIENT_DEVICE])
        _run(["ip", "link", "set", CLIENT_DEVICE, "up"])
        self._attach("v-client")
        macs[self.client_address] = self._mac([], CLIENT_DEVICE)
        # Static neighbours everywhere: a cut port drops packets silently.
        for host in self.hosts:
            for address, mac in macs.items():
                if address != self.hosts[host]:
                    self._in(self.namespace(host), "ip", "neigh", "replace", address, "lladdr",
                             mac, "dev", "eth0", "nud", "permanent")
        for address, mac in macs.items():
            if address != self.client_address:
                _run(["ip", "neigh", "replace", address, "lladdr", mac, "dev", CLIENT_DEVICE,
                      "nud", "permanent"])

    def _attach(self, port):
        self._in(self.switch, "ip", "link", "set", port, "master", "br0")
        self._in(self.switch, "ip", "link", "set", port, "up")

    @staticmethod
    def _mac(prefix, device):
        shown = _run(prefix + ["ip", "-j", "link", "show", "dev", device]).stdout
        return json.loads(shown)[0]["address"]

    def cut(self, host):
        """Takes `host`'s switch port down: every packet to or from it is lost."""
        self._in(self.switch, "ip", "link", "set", self.port(host), "down")

    def heal(self, host):
        self._in(self.switch, "ip", "link", "set", self.port(host), "up")

    def destroy(self):
        """Kills what still runs in the namespaces and deletes them (idempotent)."""
        for namespace in reversed(self.created):
            for pid in _namespace_pids(namespace):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            _run(["ip", "netns", "del", namespace], check=False)
        self.created = []
        _run(["ip", "link", "del", CLIENT_DEVICE], check=False)
