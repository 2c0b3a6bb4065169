"""
seccomp_exec.py: runs a command under the system call filter a systemd unit
asks for, as systemd would apply it, so a test can run foliod under
etc/foliod.service without systemd running.

    python3 seccomp_exec.py UNIT -- COMMAND [ARG...]

The unit's SystemCallFilter= lines are read in order (systemd.exec(5)): the
first one is an allow list, a later "~" line takes calls out of it and a
later plain line puts calls back. Groups (@system-service, ...) are expanded
with `systemd-analyze syscall-filter`. Every other system call this machine
knows (asm/unistd_64.h) is denied: with SIGSYS, as systemd does, or with
the errno of SystemCallErrorNumber= when the unit sets one. The filter is
installed with seccomp(2) and then COMMAND is executed in this process, so
its pid is the command's. x86_64 only; the caller checks supported() first.

The parsing is importable (allowed_calls) for tests that look at the set.
"""

import ctypes
import errno
import os
import platform
import re
import shutil
import struct
import subprocess
import sys

UNISTD = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"

# From linux/audit.h, linux/seccomp.h, linux/filter.h and linux/prctl.h.
AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_SET_MODE_FILTER = 1
PR_SET_NO_NEW_PRIVS = 38
NR_SECCOMP = 317
# struct seccomp_data: nr at 0, arch at 4.
DATA_NR, DATA_ARCH = 0, 4
BPF_LD_W_ABS = 0x20
BPF_JEQ_K = 0x15
BPF_JSET_K = 0x45
BPF_RET_K = 0x06


def supported():
    """Why the filter cannot be emulated here, or None."""
    if platform.machine() != "x86_64":
        return "not x86_64"
    if not os.path.exists(UNISTD):
        return "no %s (linux-libc-dev)" % UNISTD
    if shutil.which("systemd-analyze") is None:
        return "no systemd-analyze"
    return None


def syscall_numbers():
    """{name: number} of every x86_64 system call."""
    with open(UNISTD) as f:
        return {m.group(1): int(m.group(2)) for m in
                re.finditer(r"^#define __NR_(\w+)\s+(\d+)$", f.read(), re.M)}


def groups():
    """{"@group": [members]} from systemd-analyze; members may be groups."""
    out = subprocess.run(["systemd-analyze", "syscall-filter"],
                         capture_output=True, text=True, check=True).stdout
    found, current = {}, None
    for line in out.splitlines():
        if line.startswith("@"):
            current = found.setdefault(line.strip(), [])
        elif current is not None and line.strip() and \
                not line.strip().startswith("#"):
            current.append(line.strip())
    return found


def expand(names, table):
    calls = set()
    for name in names:
        if name.startswith("@"):
            calls |= expand(table[name], table)
        else:
            calls.add(name)
    return calls


def unit_filter(unit_path):
    """The unit's SystemCallFilter= values in order, and its
    SystemCallErrorNumber= (None if unset)."""
    lines, errno_name = [], None
    with open(unit_path) as f:
        for line in f:
            key, sep, value = line.strip().partition("=")
            if sep and key == "SystemCallFilter":
                lines.append(value.strip())
            elif sep and key == "SystemCallErrorNumber":
                errno_name = value.strip()
    return lines, errno_name


def allowed_calls(unit_path):
    """The system calls the unit lets through, as a set of names."""
    table = groups()
    lines, _ = unit_filter(unit_path)
    if not lines or lines[0].startswith("~"):
        raise ValueError("%s: no allow-list SystemCallFilter= first"
                         % unit_path)
    allowed = set()
    for value in lines:
        deny = value.startswith("~")
        calls = expand(value.lstrip("~").split(), table)
        allowed = allowed - calls if deny else allowed | calls
    return allowed


def program(denied, action):
    """A BPF program: the wrong architecture and x32 calls are killed, a
    denied number gets action, everything else is allowed."""
    insns = [(BPF_LD_W_ABS, 0, 0, DATA_ARCH),
             (BPF_JEQ_K, 1, 0, AUDIT_ARCH_X86_64),
             (BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS),
             (BPF_LD_W_ABS, 0, 0, DATA_NR),
             (BPF_JSET_K, 0, 1, X32_SYSCALL_BIT),
             (BPF_RET_K, 0, 0, SECCOMP_RET_KILL_PROCESS)]
    for nr in sorted(denied):
        insns += [(BPF_JEQ_K, 0, 1, nr), (BPF_RET_K, 0, 0, action)]
    insns.append((BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW))
    return b"".join(struct.pack("HBBI", *i) for i in insns), len(insns)


def install(unit_path):
    allowed = allowed_calls(unit_path)
    _, errno_name = unit_filter(unit_path)
    numbers = syscall_numbers()
    denied = {nr for name, nr in numbers.items() if name not in allowed}
    action = SECCOMP_RET_KILL_PROCESS
    if errno_name:
        action = SECCOMP_RET_ERRNO | getattr(errno, errno_name)
    code, count = program(denied, action)
    buf = ctypes.create_string_buffer(code, len(code))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = SockFprog(count, ctypes.addressof(buf))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
            libc.syscall(NR_SECCOMP, SECCOMP_SET_MODE_FILTER, 0,
                         ctypes.byref(prog)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "seccomp: %s" % os.strerror(err))


def main(argv):
    if len(argv) < 4 or argv[2] != "--":
        sys.exit("usage: seccomp_exec.py UNIT -- COMMAND [ARG...]")
    install(argv[1])
    os.execv(argv[3], argv[3:])


if __name__ == "__main__":
    main(sys.argv)
