"""Cutting a query process off the network, and bounding its memory.

Why: pyoxigraph's Rust core fetches any SERVICE URL a query names, beyond the
reach of Python once the query runs. Refusing SERVICE in the query text is one
defence; this is the other, so that the next difference between what a check
reads and what Oxigraph runs still reaches nothing. A process that calls
`isolate()` can open no socket of any kind afterwards (a seccomp filter on
socket() and io_uring, the only ways to make a new one), and, where it may (as
root), also moves into a network namespace of its own, which holds nothing but a
loopback interface that is down. Sockets it already holds (the pipe to its
parent) keep working.

Linux only (x86-64 and arm64). Where no filter can be installed, `isolate`
raises IsolationError: callers fail closed or say loudly that they run without.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import struct

# <linux/seccomp.h>, <linux/filter.h>, <linux/audit.h>, <sys/prctl.h>, <sched.h>
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF_0000
SECCOMP_RET_ERRNO = 0x0005_0000
CLONE_NEWNET = 0x4000_0000
BPF_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS: load the 32-bit word at offset k
BPF_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K: jump if the loaded word equals k
BPF_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
BPF_RET_K = 0x06  # return k

# machine -> (audit arch, socket, io_uring_setup, first x32 number or None)
_SYSCALLS = {
    "x86_64": (0xC000_003E, 41, 425, 0x4000_0000),
    "aarch64": (0xC000_00B7, 198, 425, None),
}


class IsolationError(Exception):
    """This process could not be cut off the network; the message says why."""


def _filter_program(machine: str) -> bytes:
    """A classic-BPF seccomp program: socket() and io_uring_setup() fail with EACCES,
    any other architecture's calls fail with EPERM, everything else is allowed."""
    arch, socket_nr, io_uring_nr, x32 = _SYSCALLS[machine]
    deny = SECCOMP_RET_ERRNO | errno.EACCES
    other_arch = SECCOMP_RET_ERRNO | errno.EPERM
    prog = [
        (BPF_LD_W_ABS, 0, 0, 4),  # seccomp_data.arch
        (BPF_JEQ_K, 1, 0, arch),  # native: skip the next line
        (BPF_RET_K, 0, 0, other_arch),
        (BPF_LD_W_ABS, 0, 0, 0),  # seccomp_data.nr
    ]
    if x32 is not None:  # x32 calls share the architecture with their own numbers
        prog += [(BPF_JGE_K, 0, 1, x32), (BPF_RET_K, 0, 0, other_arch)]
    prog += [
        (BPF_JEQ_K, 2, 0, socket_nr),
        (BPF_JEQ_K, 1, 0, io_uring_nr),
        (BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW),
        (BPF_RET_K, 0, 0, deny),
    ]
    return b"".join(struct.pack("=HBBI", *ins) for ins in prog)


def _install_filter() -> None:
    machine = platform.machine()
    if platform.system() != "Linux" or machine not in _SYSCALLS:
        raise IsolationError(f"no seccomp filter for {platform.system()} {machine}")
    libc = ctypes.CDLL(None, use_errno=True)
    code = _filter_program(machine)
    buf = ctypes.create_string_buffer(code, len(code))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = SockFprog(len(code) // 8, ctypes.addressof(buf))
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                           ctypes.c_ulong]  # fmt: skip
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise IsolationError(f"prctl(NO_NEW_PRIVS): {os.strerror(ctypes.get_errno())}")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(prog), 0, 0) != 0:
        raise IsolationError(f"seccomp filter refused: {os.strerror(ctypes.get_errno())}")


def _own_network_namespace() -> bool:
    """Move into an empty network namespace; False where not permitted (not root)."""
    if not hasattr(os, "unshare"):  # Python 3.12 has os.unshare; 3.11 goes through libc
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.unshare(CLONE_NEWNET) == 0
    try:
        os.unshare(CLONE_NEWNET)
    except OSError:
        return False
    return True


def isolate() -> str:
    """Cut this process (and threads it starts later) off the network, for good.

    Call it before starting threads. Returns what was applied, for the log;
    raises IsolationError if the seccomp filter cannot be installed.
    """
    namespace = _own_network_namespace()
    _install_filter()
    return "no sockets (seccomp)" + (", own network namespace" if namespace else "")


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space: an allocation past it fails (and pyoxigraph
    aborts), so one query cannot take the machine's memory."""
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
