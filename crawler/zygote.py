"""Warm start of crawl children: a fork server (a "zygote") that has already imported what a crawl needs.

A crawl child started with ``python -m crawler.main`` spends about a second importing Scrapy, Twisted, the spider
and the store before its first request. A long-running service instead starts, once, a zygote (:func:`start`):
it imports all that (but installs no Twisted reactor), then waits; for each crawl it forks one child, which
installs its reactor and runs :func:`crawler.main.main` as the cold child would. What the parent
(:func:`crawler.run.crawl_portal`) relies on is the same either way (:class:`Child`):

- the child runs in a process group of its own (``setsid``): killing the group at the time limit reaches
  everything it started;
- its standard output and error are the write end of a pipe the parent made (passed over a Unix socket), so the
  parent bounds and keeps its log as for a cold child;
- its environment and working directory are those the parent gives for this crawl (``NIANBAO_FAULT`` included),
  not the zygote's;
- it dies with the zygote (``PR_SET_PDEATHSIG``, SIGTERM as for a cold child), and the zygote with the process
  that started it (SIGKILL), from the thread that waits for it: a service killed with SIGKILL leaves nothing
  running. The zygote also ends when the parent closes its control socket (:func:`stop`).
- the zygote reports each child's exit status (as :attr:`subprocess.Popen.returncode` would be: negative for a
  signal) on the socket of that crawl.

The parent side (:class:`Zygote`, :func:`start`, :func:`current`, :func:`stop`) does not import Scrapy. A zygote
found dead is started again once; when it cannot be, the crawl falls back to the cold start.

The protocol: one ``SOCK_SEQPACKET`` control socket from the parent to the zygote; per crawl, the parent makes a
socket pair and a pipe, and sends one message with the request (job file, environment, working directory) and two
descriptors: its end of the pair and the write end of the pipe. On that pair, the child first sends
``{"pid": …}`` (after ``setsid``: its process group exists), and the zygote ``{"status": …}`` once it has reaped
it. The zygote's first message on the control socket is ``{"ready": pid}``, once it has imported everything.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

#: Seconds to wait for a starting zygote to have imported everything (a cold start takes about a second).
READY_TIMEOUT = 60.0
#: Seconds to wait for the zygote to fork a child and the child to say its process id.
FORK_TIMEOUT = 10.0
#: Seconds to wait for the zygote's word on a child killed at its time limit.
REAP_TIMEOUT = 10.0
#: Seconds during which a zygote that could not be started is not tried again (crawls start cold meanwhile).
RETRY_AFTER = 600.0
_PR_SET_PDEATHSIG = 1
_MESSAGE = 65536
_REQUEST = 1 << 20  # a request carries the crawl's environment
#: How the zygote is started: ``python -m crawler.zygote`` would run this module a second time as ``__main__``
#: (the package imports it).
_ENTRY = "import sys; from crawler.zygote import main; sys.exit(main(sys.argv[1:]))"
LOST = "lost"
#: Modules a crawl imports as it goes, beside Scrapy's components: the store's SQL dialects, the codecs of
#: Chinese pages, the memory-usage extension's.
_MODULES = (
    "sqlalchemy.dialects.sqlite.pysqlite", "sqlalchemy.dialects.postgresql", "encodings.gb18030", "encodings.gb2312",
    "encodings.gbk", "encodings.big5", "encodings.utf_8_sig", "encodings.cp1252", "encodings.latin_1", "resource",
)  # fmt: skip  # the exit status of a child whose zygote died before it could report it


class Child:
    """A crawl child as :func:`crawler.run.crawl_portal` sees it, started cold (:class:`ColdChild`) or warm
    (:class:`WarmChild`): its process id (= its process group), its output, its end."""

    pid: int
    output: IO[bytes]
    mode: str  # "cold" | "warm"

    def wait(self, timeout: float) -> str | None:
        """Its exit status (``str`` of the return code, or :data:`LOST`), or None when it is still running after
        ``timeout`` seconds."""
        raise NotImplementedError

    def kill(self) -> None:
        """Kill its process group with SIGKILL and wait for its end."""
        raise NotImplementedError


def _kill_group(pid: int) -> None:
    for kill in (os.killpg, os.kill):  # the group, and the child itself should the group not exist (yet)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill(pid, signal.SIGKILL)


class ColdChild(Child):
    """``python -m crawler.main --job FILE`` started afresh."""

    mode = "cold"

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        read, write = os.pipe()
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=write,
                stderr=write,
                env=env,
                start_new_session=True,  # its own process group: killing it reaches everything it started
            )
        except BaseException:
            os.close(read)
            raise
        finally:
            os.close(write)
        self.pid = self.process.pid
        self.output = os.fdopen(read, "rb", buffering=0)

    def wait(self, timeout: float) -> str | None:
        try:
            return str(self.process.wait(timeout=timeout))
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        _kill_group(self.pid)
        self.process.wait()


class WarmChild(Child):
    """A child forked by the zygote; its exit status comes over ``reply``."""

    mode = "warm"

    def __init__(self, pid: int, reply: socket.socket, output: IO[bytes]) -> None:
        self.pid = pid
        self.reply = reply
        self.output = output
        self.status: str | None = None

    def wait(self, timeout: float) -> str | None:
        if self.status is not None:
            return self.status
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.reply.settimeout(left)
            try:
                message = self.reply.recv(_MESSAGE)
            except TimeoutError:
                return None
            except OSError:
                message = b""
            if not message:  # the zygote died before reporting: the child ends with it (its death signal)
                return self._lost(deadline)
            status = json.loads(message).get("status")
            if status is not None:
                self.status = str(status)
                self.reply.close()
                return self.status

    def _lost(self, deadline: float) -> str | None:
        """The zygote is gone: wait for the child's process group to end on its own until ``deadline``."""
        while _group_alive(self.pid):
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)
        self.status = LOST
        self.reply.close()
        return self.status

    def kill(self) -> None:
        _kill_group(self.pid)
        if self.wait(REAP_TIMEOUT) is None:  # a zygote that does not answer: at least nothing is left running
            _kill_group(self.pid)
            self.status = LOST
            self.reply.close()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _die_with_parent(sig: signal.Signals, parent: int) -> bool:
    """Ask Linux to send ``sig`` to this process when its parent dies; False when ``parent`` is already gone."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig)
    return os.getppid() == parent


# ------------------------------------------------------------------------------------------------ parent side


class Zygote:
    """The parent's handle on one zygote process, restarted once when found dead. Thread-safe."""

    def __init__(self, env: dict[str, str], executable: str = sys.executable) -> None:
        self.env = env
        self.executable = executable
        self.forked = 0  # crawl children started warm
        self.restarts = 0
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._ready = False
        self._stopped = False
        self._failed_at: float | None = None

    @property
    def pid(self) -> int | None:
        """The zygote's process id, while it runs."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def start(self) -> None:
        """Start the zygote process (it imports in the background; :meth:`spawn` waits for it)."""
        with self._lock:
            self._stopped = False
            self._start()

    def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        started = threading.Event()
        failure: list[BaseException] = []

        def keep() -> None:
            # Linux's death signal follows the thread that started the process: this one lives as long as it does.
            try:
                self._process = subprocess.Popen(
                    [self.executable, "-c", _ENTRY, "--control", str(theirs.fileno())],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    env=self.env | {"NIANBAO_PARENT_PID": str(os.getpid())},
                    pass_fds=(theirs.fileno(),),
                )
            except BaseException as exc:  # pragma: no cover - no Python to start
                failure.append(exc)
                started.set()
                return
            process = self._process
            started.set()
            process.wait()

        threading.Thread(target=keep, name="crawl-zygote", daemon=True).start()
        started.wait()
        theirs.close()
        if failure:
            ours.close()
            raise failure[0]
        self._control = ours
        self._ready = False

    def _await_ready(self) -> bool:
        control = self._control
        if control is None:
            return False
        if self._ready:
            return True
        control.settimeout(READY_TIMEOUT)
        try:
            message = control.recv(_MESSAGE)
        except OSError:
            message = b""
        self._ready = bool(message) and "ready" in json.loads(message)
        return self._ready

    def _discard(self) -> None:
        """Forget the current zygote, killing it if it still runs."""
        if self._control is not None:
            self._control.close()
            self._control = None
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=REAP_TIMEOUT)
        self._process = None
        self._ready = False

    def spawn(self, job_file: str | Path, env: dict[str, str], cwd: str | Path) -> WarmChild | None:
        """Fork a crawl child for ``job_file``; None when the zygote is unavailable (stopped, or dead and not
        restartable): the caller starts the child cold."""
        with self._lock:
            if self._stopped:
                return None
            if self._failed_at is not None and time.monotonic() - self._failed_at < RETRY_AFTER:
                return None
            for attempt in range(2):
                if attempt or self._process is None or self._process.poll() is not None:
                    if attempt or self._process is not None:
                        self.restarts += 1
                    self._discard()
                    try:
                        self._start()
                    except OSError:
                        return None
                if not self._await_ready():
                    continue
                child = self._fork(job_file, env, cwd)
                if child is not None:
                    self.forked += 1
                    self._failed_at = None
                    return child
            self._failed_at = time.monotonic()
            self._discard()
            return None

    def _fork(self, job_file: str | Path, env: dict[str, str], cwd: str | Path) -> WarmChild | None:
        control = self._control
        assert control is not None
        reply, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        read, write = os.pipe()
        request = json.dumps({"job": str(job_file), "env": env, "cwd": str(cwd)}).encode("utf-8")
        try:
            control.settimeout(FORK_TIMEOUT)
            socket.send_fds(control, [request], [theirs.fileno(), write])
        except OSError:
            reply.close()
            os.close(read)
            return None
        finally:
            theirs.close()
            os.close(write)
        reply.settimeout(FORK_TIMEOUT)
        try:
            message = reply.recv(_MESSAGE)
        except OSError:
            message = b""
        pid = json.loads(message).get("pid") if message else None
        if not isinstance(pid, int):  # no child runs: the zygote died before forking, or the child at once
            reply.close()
            os.close(read)
            return None
        return WarmChild(pid, reply, os.fdopen(read, "rb", buffering=0))

    def stop(self, timeout: float = REAP_TIMEOUT) -> bool:
        """Stop the zygote: it forks no more and exits once the crawls it runs have ended (their parents still
        wait for them, with their time limits). Waits ``timeout`` seconds for that; True when it has exited."""
        with self._lock:
            self._stopped = True
            process = self._process
            if self._control is not None:
                self._control.close()
                self._control = None
            self._process = None
            self._ready = False
        if process is None:
            return True
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False  # still running crawls: it exits after them, or with this process
        return True


_current: Zygote | None = None
_current_lock = threading.Lock()


def start(env: dict[str, str] | None = None) -> Zygote:
    """Start this process's zygote (once): later crawls of :func:`crawler.run.crawl_portal` start warm."""
    global _current  # noqa: PLW0603 - one zygote per process
    with _current_lock:
        if _current is None:
            if env is None:
                from crawler.run import child_environment  # noqa: PLC0415 - crawler.run imports this module

                env = child_environment()
            _current = Zygote(env)
            _current.start()
        return _current


def current() -> Zygote | None:
    """This process's zygote, if :func:`start` was called (and :func:`stop` not since)."""
    return _current


def stop() -> None:
    """Stop this process's zygote, if any (see :meth:`Zygote.stop`); crawls start cold again."""
    global _current
    with _current_lock:
        zygote, _current = _current, None
    if zygote is not None:
        zygote.stop()


# ------------------------------------------------------------------------------------------------ zygote side


def preload() -> None:
    """Import what a crawl child imports — Scrapy's components named in its default settings and ours, Twisted's
    asyncio reactor module (not installed: each child installs its own), the spider, the store — and nothing
    that starts a thread."""
    import twisted.internet.asyncioreactor  # noqa: F401, PLC0415
    from scrapy.settings import default_settings  # noqa: PLC0415
    from scrapy.utils.misc import load_object  # noqa: PLC0415

    import crawler.main  # noqa: PLC0415 - Scrapy, the spider, the store
    import crawler.middlewares  # noqa: PLC0415
    import crawler.pipelines  # noqa: PLC0415
    import crawler.throttle  # noqa: F401, PLC0415
    from crawler.settings import COMPONENTS  # noqa: PLC0415

    names: list[str] = list(COMPONENTS)
    for setting in ("DOWNLOADER_MIDDLEWARES_BASE", "SPIDER_MIDDLEWARES_BASE", "EXTENSIONS_BASE"):
        names += list(getattr(default_settings, setting))
    names += list(default_settings.DOWNLOAD_HANDLERS_BASE.values())
    for setting in (
        "DOWNLOADER", "DUPEFILTER_CLASS", "HTTPCACHE_STORAGE", "ITEM_PROCESSOR", "LOG_FORMATTER",
        "REQUEST_FINGERPRINTER_CLASS", "ROBOTSTXT_PARSER", "SCHEDULER", "SCHEDULER_MEMORY_QUEUE",
        "SCHEDULER_PRIORITY_QUEUE", "SCHEDULER_START_MEMORY_QUEUE", "STATS_CLASS", "DNS_RESOLVER",
        "REFERRER_POLICY", "DOWNLOADER_HTTPCLIENTFACTORY", "DOWNLOADER_CLIENTCONTEXTFACTORY",
    ):  # fmt: skip
        value = getattr(default_settings, setting, None)
        if isinstance(value, str):
            names.append(value)
    for name in names:
        with contextlib.suppress(Exception):  # an optional component whose dependency is missing
            load_object(name)
    for module in _MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    if "twisted.internet.reactor" in sys.modules:
        raise RuntimeError("a Twisted reactor was installed while preloading: the children could not install theirs")


def serve(control_fd: int) -> int:
    """The zygote: preload, say ready, then fork one crawl child per request until the control socket closes;
    then report on the children still running, and exit after the last."""
    parent = int(os.environ.get("NIANBAO_PARENT_PID", "0") or 0)
    if not _die_with_parent(signal.SIGKILL, parent):
        return 3
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the service, which then stops this
    control = socket.socket(fileno=control_fd)
    preload()
    gc.collect()
    gc.freeze()  # the imported objects stay out of the children's collections: their pages stay shared
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(wake_write)
    replies: dict[int, socket.socket] = {}
    selector = selectors.DefaultSelector()
    selector.register(control, selectors.EVENT_READ)
    selector.register(wake_read, selectors.EVENT_READ)
    control.sendall(json.dumps({"ready": os.getpid()}).encode("ascii"))

    def closing() -> None:
        """What a forked child must not keep of the zygote."""
        selector.close()
        signal.set_wakeup_fd(-1)
        os.close(wake_read)
        os.close(wake_write)
        control.close()
        for reply in replies.values():
            reply.close()

    while True:
        if control.fileno() < 0 and not replies:
            return 0
        for key, _events in selector.select():
            if key.fileobj is wake_read:
                with contextlib.suppress(BlockingIOError):
                    while os.read(wake_read, 4096):
                        pass
                continue
            try:
                message, fds, _flags, _address = socket.recv_fds(control, _REQUEST, 2)
            except OSError:
                message, fds = b"", []
            if not message:  # the parent closed the socket: no more crawls (had it died, so would this process)
                selector.unregister(control)
                control.close()
                break
            if len(fds) != 2:
                for fd in fds:
                    os.close(fd)
                continue
            reply = socket.socket(fileno=fds[0])
            _fork(json.loads(message), reply, fds[1], closing, replies)
        _reap(replies)


def _fork(
    request: dict[str, Any], reply: socket.socket, output: int, closing: Callable[[], None], replies: dict[int, socket.socket]
) -> None:
    zygote = os.getpid()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            closing()
            code = _child(request, reply, output, zygote)
        finally:
            os._exit(code)
    os.close(output)
    replies[pid] = reply


def _child(request: dict[str, Any], reply: socket.socket, output: int, zygote: int) -> int:
    """In the forked child: become the crawl child of ``request`` and run it; its exit status."""
    os.setsid()  # a process group of its own, before the parent learns the pid: killing the group reaches all
    if not _die_with_parent(signal.SIGTERM, zygote):
        return 3
    for sig in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(output, 1)
    os.dup2(output, 2)
    os.close(output)
    with contextlib.suppress(OSError):  # a cold child keeps a working folder removed meanwhile, too
        os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    os.environ["NIANBAO_PARENT_PID"] = str(zygote)  # crawler.main checks it is still its parent's child
    sys.argv = [sys.argv[0], "--job", request["job"]]
    try:
        reply.sendall(json.dumps({"pid": os.getpid()}).encode("ascii"))
    finally:
        reply.close()
    code = 0
    try:
        from crawler.main import main  # noqa: PLC0415 - imported already: preloaded

        code = main(["--job", request["job"]])
    except SystemExit as exc:
        if isinstance(exc.code, int) or exc.code is None:
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        import logging  # noqa: PLC0415

        logging.shutdown()
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        with contextlib.suppress(Exception):
            sys.stderr.flush()
    return code


def _reap(replies: dict[int, socket.socket]) -> None:
    """Report the exit status of every child that ended."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        reply = replies.pop(pid, None)
        if reply is not None:
            with contextlib.suppress(OSError):
                reply.sendall(json.dumps({"status": os.waitstatus_to_exitcode(status)}).encode("ascii"))
            reply.close()


def main(argv: list[str] | None = None) -> int:
    """The zygote's entry point: ``python -c … --control FD`` (:data:`_ENTRY`)."""
    import argparse  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="crawler.zygote", description="fork server of crawl children")
    parser.add_argument("--control", type=int, required=True, help="the control socket's file descriptor")
    args = parser.parse_args(argv)
    return serve(args.control)


if __name__ == "__main__":
    sys.exit(main())
