# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``kkt-status URL``: print a device's status, as text or JSON."""

import argparse
import dataclasses
import json
import logging
import sys
from datetime import date

from .errors import KktError
from .session import KktSession


def _jsonable(value):
    if isinstance(value, date):
        return value.isoformat()
    return value


def status_dict(status):
    """The status as a JSON-able dict (dates as ISO strings)."""
    return {
        name: _jsonable(value) for name, value in dataclasses.asdict(status).items()
    }


def format_status(status):
    """The status as aligned ``name: value`` lines, empty values left out."""
    data = status_dict(status)
    width = max(len(name) for name in data)
    return "\n".join(
        f"{name.ljust(width)}  {value}"
        for name, value in data.items()
        if value not in (None, "", [])
    )


def build_parser():
    """The argument parser of ``kkt-status``."""
    parser = argparse.ArgumentParser(
        prog="kkt-status",
        description="Show the status of a Shtrih-M KKT: mode, shift, FN, OFD queue.",
    )
    parser.add_argument(
        "url",
        help="device path or pyserial URL: /dev/ttyS0, socket://host:7778, "
        "rfc2217://host:port, spy:///dev/ttyS0",
    )
    parser.add_argument("--protocol", type=int, choices=(1, 2), default=1)
    parser.add_argument("--baudrate", type=int, default=115200)
    parser.add_argument("--password", type=int, default=30, help="operator password")
    parser.add_argument(
        "--admin-password", type=int, default=30, help="system administrator password"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument(
        "--debug", action="store_true", help="log every frame in hex (no passwords)"
    )
    return parser


def main(argv=None):
    """Entry point of ``kkt-status``; returns the process exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        with KktSession.connect(
            args.url,
            protocol=args.protocol,
            password=args.password,
            admin_password=args.admin_password,
            device_name=args.url,
            baudrate=args.baudrate,
        ) as session:
            status = session.status()
    except KktError as error:
        print(error.message, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(status_dict(status), ensure_ascii=False, indent=2))
    else:
        print(format_status(status))
    return 0


if __name__ == "__main__":
    sys.exit(main())
