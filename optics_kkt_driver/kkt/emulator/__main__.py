# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Command line of the KKT emulator: ``python -m kkt.emulator --tcp 17201``.

The first two lines on stdout say where the KKT and the control channel listen.
"""

import argparse
import json
import logging
import os
import signal
import sys
import threading

from .clock import Clock
from .device import Device
from .faults import Faults, command_code
from .fn import FiscalStorage
from .link import LinkState, Protocol1, Protocol2
from .remote import Remote
from .server import HOST, serve_control, serve_pty, serve_tcp

DEFAULT_FN_SERIAL = "9999078900012345"


def parse_args(argv):
    """The command-line options, checked."""
    parser = argparse.ArgumentParser(
        prog="kkt-emulator", description="Shtrih-M KKT emulator with an FN model."
    )
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--tcp", type=int, metavar="PORT", help="TCP port (0: any)")
    where.add_argument("--pty", action="store_true", help="serve a pseudo-terminal")
    parser.add_argument(
        "--host",
        default=HOST,
        help="address of the KKT port (default 127.0.0.1; 0.0.0.0 in a container)",
    )
    parser.add_argument("--protocol", type=int, choices=(1, 2), default=1)
    parser.add_argument("--state", metavar="FILE", help="JSON file keeping the FN")
    parser.add_argument(
        "--print-time", type=float, default=0.05, help="seconds per printed document"
    )
    parser.add_argument(
        "--baud", type=int, default=0, help="pace bytes at this rate (0: no pacing)"
    )
    parser.add_argument("--fn-serial", default=DEFAULT_FN_SERIAL)
    parser.add_argument(
        "--control", type=int, default=0, metavar="PORT", help="control port (0: any)"
    )
    parser.add_argument(
        "--ofd-rate", type=float, default=1.0, help="documents sent to OFD per second"
    )
    parser.add_argument(
        "--byte-timeout", type=float, default=0.1, help="inter-byte timeout, seconds"
    )
    parser.add_argument(
        "--ff-after-ack", action="store_true", help="send 0xFF after every ACK"
    )
    parser.add_argument(
        "--extended-answers",
        action="store_true",
        help="end the close-receipt answer with the document's date and time",
    )
    parser.add_argument(
        "--answer-delay",
        action="append",
        default=[],
        metavar="CODE=SECONDS",
        help="time a command works before answering, e.g. 41=65 (repeatable)",
    )
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args(argv)
    if not (len(args.fn_serial) == 16 and args.fn_serial.isdigit()):
        parser.error("--fn-serial must have 16 digits")
    for item in args.answer_delay:
        code, _sep, seconds = item.partition("=")
        try:
            command_code(code), float(seconds)
        except ValueError:
            parser.error(f"--answer-delay {item!r} is not CODE=SECONDS, e.g. FF45=2")
    return args


def build_device(args):
    """The device with its FN, restored from ``--state`` when the file exists."""
    clock = Clock()
    faults = Faults()
    fn = FiscalStorage(args.fn_serial, ofd_rate=args.ofd_rate)
    saved = None
    if args.state and os.path.exists(args.state):
        with open(args.state, encoding="utf-8") as handle:
            saved = json.load(handle)
        fn = FiscalStorage.from_dict(saved["fn"])
    device = Device(fn, clock, faults, args.print_time, args.state)
    device.extended_answers = args.extended_answers
    if saved:
        device.load_state(saved["device"])
    for item in args.answer_delay:
        code, seconds = item.split("=", 1)
        device.answer_delays[command_code(code)] = float(seconds)
    return device


def main(argv=None):
    """Run the emulator until SIGTERM or SIGINT; return the exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s"
    )
    device = build_device(args)
    device.save()
    link_state = LinkState(args.byte_timeout, args.ff_after_ack)
    protocol_class = Protocol2 if args.protocol == 2 else Protocol1
    protocol = protocol_class(device, device.faults, link_state)
    remote = Remote(device, device.faults, link_state)
    try:
        if args.pty:
            where = serve_pty(protocol, device.faults, args.baud)
        else:
            where = serve_tcp(protocol, device.faults, args.baud, args.tcp, args.host)
        control_port = serve_control(remote.handle, args.control)
    except OSError as error:
        sys.exit(f"kkt-emulator: cannot listen: {error}")
    print(f"KKT emulator listening on {where}", flush=True)
    print(f"KKT emulator control on tcp://{HOST}:{control_port}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    signal.signal(signal.SIGINT, lambda *_args: stop.set())
    while not stop.wait(0.5):
        continue
    device.save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
