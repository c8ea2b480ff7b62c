"""The control socket: lets CLI commands run while `clearanalytics serve` holds the database.

DuckDB allows one read-write process per file, so `clearanalytics token create` cannot open
the file while the server runs. Instead the server listens on a Unix socket in the data dir
(mode 0600: only the user who may read the file anyway can connect), and a CLI process that
finds the database locked sends its arguments there. The server runs the same Click command
in-process against its own open database and sends back the output and exit code.

The arguments travel verbatim, with the client's working directory beside them: only
parameters declared as paths (`ClientPath`) are resolved against that directory, so a
file that happens to share a tenant's name changes nothing. The command's output is
captured per thread (`ThreadLocalStream`): the server's other threads keep writing their
warnings to the server's own stderr, never into a forwarded command's answer.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import threading
from pathlib import Path

import click

from clearanalytics import safeinput

SOCKET_NAME = "control.sock"
_MAX_REQUEST_BYTES = 64 * 1024
# Commands that start a server cannot run inside one.
NOT_FORWARDED = {"serve", "quickstart"}


def socket_path(data_dir: Path) -> Path:
    return Path(data_dir) / SOCKET_NAME


# The forwarded command's context, set only on the control thread while it runs one.
_local = threading.local()


class ClientPath(click.Path):
    """A path parameter that names a file on the command line's side: relative to the client's cwd.

    Outside a forwarded command it is click.Path; inside one, a relative value is joined to
    the working directory the client sent, since the server's own differs.
    """

    def convert(self, value, param, ctx):
        if getattr(_local, "data_dir", None) is not None and isinstance(value, str) and not os.path.isabs(value):
            cwd = getattr(_local, "cwd", None)
            if cwd is None:
                self.fail(f"{value!r} is relative, and the working directory could not be sent", param, ctx)
            value = os.path.join(cwd, value)
        return super().convert(value, param, ctx)


def forwarded_data_dir() -> Path | None:
    """The serving data dir while a forwarded command runs: the client reached it through its socket."""
    return getattr(_local, "data_dir", None)


class ThreadLocalStream:
    """Stands in for sys.stdout/sys.stderr: a thread running a forwarded command writes to its own buffer.

    contextlib.redirect_stdout swaps the process-wide stream, so while a command ran, every
    other thread's output (waitress's warnings, the app's log) went into its answer. This
    proxy is installed once and looks up the writing thread's target on every write.
    """

    encoding = "utf-8"  # constant, so that click uses this object as is instead of wrapping a buffer
    errors = "strict"

    def __init__(self, name: str, fallback):
        self._name = name
        self._fallback = fallback

    def _target(self):
        return getattr(_local, self._name, None) or self._fallback

    def write(self, text: str) -> int:
        return self._target().write(text)

    def writelines(self, lines) -> None:
        self._target().writelines(lines)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return self._target().isatty()

    def fileno(self) -> int:
        return self._target().fileno()

    def __getattr__(self, name: str):
        return getattr(self._target(), name)


class _Discard(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


def _install_thread_streams() -> None:
    import sys

    for name in ("stdout", "stderr"):
        current = getattr(sys, name)
        if not isinstance(current, ThreadLocalStream):
            # None when started without stdio: other threads' output is dropped, as it was.
            setattr(sys, name, ThreadLocalStream(name, current if current is not None else _Discard()))


@contextlib.contextmanager
def _forwarded(data_dir: Path, cwd: str | None, out: io.StringIO, err: io.StringIO):
    """This thread runs a forwarded command: its paths, data dir and output are the client's."""
    _install_thread_streams()
    _local.data_dir, _local.cwd, _local.stdout, _local.stderr = data_dir, cwd, out, err
    try:
        yield
    finally:
        _local.data_dir = _local.cwd = _local.stdout = _local.stderr = None


def _client_cwd() -> str | None:
    """None when the directory is gone or its name is not UTF-8: then only relative paths fail."""
    try:
        cwd = os.getcwd()
    except OSError:
        return None
    return None if safeinput.has_surrogate(cwd) else cwd


def forward(data_dir: Path, argv: list[str], timeout: float = 600) -> int | None:
    """Run `argv` in the server that owns `data_dir`; None when no server answers."""
    path = socket_path(data_dir)
    if not path.exists() or (argv and argv[0] in NOT_FORWARDED):
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(json.dumps({"argv": list(argv), "cwd": _client_cwd()}).encode() + b"\n")
            sock.shutdown(socket.SHUT_WR)
            answer = json.loads(_read_all(sock) or b"null")
    except (OSError, ValueError):
        return None
    if not isinstance(answer, dict):
        return None
    click.echo(answer.get("stdout", ""), nl=False)
    click.echo(answer.get("stderr", ""), nl=False, err=True)
    return int(answer.get("exit_code", 1))


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


class ControlServer:
    """Accepts forwarded commands, one at a time, on the data dir's socket."""

    def __init__(self, data_dir: Path, database):
        self.data_dir = Path(data_dir)
        self.database = database
        self.path = socket_path(self.data_dir)
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None

    def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)
        try:
            sock.bind(str(self.path))
        finally:
            os.umask(old_umask)
        sock.listen(4)
        self._sock = sock
        threading.Thread(target=self._serve, name="clearanalytics-control", daemon=True).start()

    def stop(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _serve(self) -> None:
        while self._sock is not None:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                self._handle(conn)

    def _handle(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(30)
            raw = _read_all(conn)[:_MAX_REQUEST_BYTES]
            request = safeinput.loads(raw)
            argv, cwd = request["argv"], request.get("cwd")
            if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
                raise ValueError("argv must be a list of strings")
            if cwd is not None and not (isinstance(cwd, str) and os.path.isabs(cwd)):
                raise ValueError("cwd must be an absolute path")
        except safeinput.InputError as exc:  # an argument that is not UTF-8: one line back, not silence
            answer = {"stdout": "", "stderr": f"Error: argument {exc.field} {exc.message}\n", "exit_code": 2}
        except (OSError, ValueError, KeyError, TypeError):
            return
        else:
            answer = self.run(argv, cwd)
        with contextlib.suppress(OSError):
            conn.sendall(json.dumps(answer).encode())

    def run(self, argv: list[str], cwd: str | None = None) -> dict:
        """Run one CLI command in this process, against the server's open database.

        `cwd` is the client's working directory, against which `ClientPath` parameters resolve.
        """
        from clearanalytics.cli import main, shared_database

        if argv and argv[0] in NOT_FORWARDED:
            return {"stdout": "", "stderr": f"Error: {argv[0]} cannot run while the server runs\n", "exit_code": 1}
        out, err = io.StringIO(), io.StringIO()
        with (
            self._lock,
            shared_database(self.data_dir, self.database),
            _no_stdin(),
            _forwarded(self.data_dir, cwd, out, err),
        ):
            try:
                main.main(args=argv, prog_name="clearanalytics", standalone_mode=False)
                code = 0
            except click.exceptions.Exit as exc:
                code = exc.exit_code
            except click.ClickException as exc:
                exc.show(file=err)
                code = exc.exit_code
            except click.exceptions.Abort:
                err.write("Aborted: the command needed input; give every value as an option.\n")
                code = 1
            except Exception as exc:  # noqa: BLE001 - one line back to the client, never a traceback
                err.write(f"Error: {exc}\n")
                code = 1
        return {"stdout": out.getvalue(), "stderr": err.getvalue(), "exit_code": code}


@contextlib.contextmanager
def _no_stdin():
    """A forwarded command must never wait on the server's terminal: prompts see end of input."""
    import sys

    import click.termui

    def refuse(_prompt: str = "") -> str:
        raise EOFError

    saved = sys.stdin, click.termui.visible_prompt_func, click.termui.hidden_prompt_func
    sys.stdin = io.StringIO("")
    click.termui.visible_prompt_func = click.termui.hidden_prompt_func = refuse
    try:
        yield
    finally:
        sys.stdin, click.termui.visible_prompt_func, click.termui.hidden_prompt_func = saved
