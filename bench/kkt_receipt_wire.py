# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Driver time per three-line receipt next to the pure wire time of its bytes.

Runs the emulator paced at the given baud rate, print time 0, extended answers on,
and prints the figures; the target is a driver time within 1.25 x the wire time.
"""

import argparse
import statistics
import time

from kkt.emulator.testing import running_emulator
from kkt.receipt import Receipt, ReceiptLine
from kkt.session import KktSession

BITS_PER_BYTE = 10
TARGET_RATIO = 1.25


def three_line_receipt(number):
    return Receipt(
        lines=[
            ReceiptLine("Линза Acuvue Oasys", 150000, 2, 300000, "vat22"),
            ReceiptLine("Оправа Ray-Ban RX5154", 899000, 1, 899000, "vat22"),
            ReceiptLine("Подбор очков", 50000, 1, 50000, "none", payment_subject=4),
        ],
        mark=f"BENCH-{number:06d}",
        cash=249000,
        electronic=1000000,
        cashier_name="Иванова А.",
    )


def measure(session, receipts, search_from_last):
    """Fiscalise ``receipts`` receipts; return per-receipt (seconds, bytes) pairs."""
    transport = session.link.transport
    samples = []
    for number in range(receipts):
        receipt = three_line_receipt(number + search_from_last * 100000)
        search_from = session.fn_status().last_fd_number if search_from_last else None
        before = transport.bytes_sent + transport.bytes_received
        started = time.perf_counter()
        session.fiscalise(receipt, search_from_fd=search_from)
        elapsed = time.perf_counter() - started
        samples.append(
            (elapsed, transport.bytes_sent + transport.bytes_received - before)
        )
    return samples


def report(title, samples, baud):
    seconds = statistics.median(elapsed for elapsed, _bytes in samples)
    count = statistics.median(size for _elapsed, size in samples)
    wire = count * BITS_PER_BYTE / baud
    print(
        f"{title:<34} driver {seconds * 1000:8.1f} ms  wire {wire * 1000:8.1f} ms"
        f"  ({count:.0f} bytes)  ratio {seconds / wire:5.2f}x"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baud", type=int, default=115200)
    parser.add_argument("--receipts", type=int, default=20)
    parser.add_argument("--protocol", type=int, choices=(1, 2), default=1)
    args = parser.parse_args(argv)
    print(
        f"Three-line receipt, protocol {args.protocol}, {args.baud} baud, "
        f"print time 0, median of {args.receipts} receipts "
        f"(target: driver within {TARGET_RATIO} x the wire time)"
    )
    with running_emulator(
        protocol=args.protocol,
        print_time=0,
        baud=args.baud,
        ofd_rate=0,
        extended_answers=True,
    ) as (url, _control):
        with KktSession.connect(url, protocol=args.protocol) as session:
            session.open_shift()
            for search_from_last, title in (
                (True, "search_from_fd = last FD"),
                (False, "search the last 20 FDs"),
            ):
                samples = measure(session, args.receipts, search_from_last)
                report(title, samples, args.baud)


if __name__ == "__main__":
    main()
