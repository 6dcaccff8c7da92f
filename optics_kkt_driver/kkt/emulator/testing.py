# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Start a real emulator process for a test and stop it afterwards.

``with running_emulator(print_time=0.01) as (url, control): ...``
"""

import contextlib
import os
import pathlib
import subprocess
import sys
import threading

from ..errors import KktError
from .control import EmulatorControl

START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
PACKAGE_ROOT = pathlib.Path(__file__).resolve().parents[2]
LISTENING = "KKT emulator listening on "
CONTROL = "KKT emulator control on "


def emulator_command(tcp=True, protocol=1, port=0, **options):
    """The argument list that starts the emulator with ``options``.

    An option ``name=value`` becomes ``--name value``; ``True`` becomes a bare
    flag, ``False`` and ``None`` are left out; a dict repeats the flag with
    ``key=value`` (``answer_delay={"41": 2}`` gives ``--answer-delay 41=2``).

    >>> emulator_command(print_time=0.01, ff_after_ack=True)[3:]
    ['--tcp', '0', '--protocol', '1', '--print-time', '0.01', '--ff-after-ack']
    >>> emulator_command(print_time=0, baud=0)[-4:]
    ['--print-time', '0', '--baud', '0']
    """
    command = [sys.executable, "-m", "kkt.emulator"]
    command += ["--tcp", str(port)] if tcp else ["--pty"]
    command += ["--protocol", str(protocol)]
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is True:
            command.append(flag)
        elif isinstance(value, dict):
            for key, item in value.items():
                command += [flag, f"{key}={item}"]
        elif value is not False and value is not None:
            command += [flag, str(value)]
    return command


def emulator_environment():
    """The environment with ``kkt`` importable even when it is not installed."""
    environment = dict(os.environ)
    paths = [str(PACKAGE_ROOT), environment.get("PYTHONPATH", "")]
    environment["PYTHONPATH"] = os.pathsep.join(path for path in paths if path)
    return environment


def _read_addresses(process):
    lines = {}

    def read():
        for line in process.stdout:
            for prefix in (LISTENING, CONTROL):
                if line.startswith(prefix):
                    lines[prefix] = line[len(prefix) :].strip()
            if len(lines) == 2:
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(START_TIMEOUT)
    if len(lines) != 2:
        code = process.poll()
        if code is not None:
            raise KktError(f"Emulator exited with code {code} (see its stderr)")
        raise KktError(f"Emulator did not start within {START_TIMEOUT} s")
    return lines[LISTENING], lines[CONTROL]


@contextlib.contextmanager
def running_emulator(tcp=True, protocol=1, **options):
    """Run ``python -m kkt.emulator`` as a subprocess; yield ``(url, control)``.

    ``url`` is ``socket://127.0.0.1:PORT`` or the pty path; ``control`` is an
    :class:`EmulatorControl` whose ``pid`` is the emulator's. Options are those
    of the command line (``port=17201``, ``state="/tmp/fn.json"``,
    ``print_time=0.01``, ``baud=115200``...). The process is stopped by its pid
    when the block ends.
    """
    process = subprocess.Popen(
        emulator_command(tcp, protocol, **options),
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=emulator_environment(),
        text=True,
    )
    try:
        url, address = _read_addresses(process)
        control = EmulatorControl(address)
        control.pid = process.pid
        yield url, control
    finally:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
