# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What several driver tests share: the answer decoders and the kkt-status runner."""

import subprocess
import sys

from kkt import commands as cmd

ANSWER_DECODERS = (
    cmd.ShortStatus.decode,
    cmd.FullStatus.decode,
    cmd.DeviceType.decode,
    cmd.FnStatus.decode,
    cmd.ShiftParams.decode,
    cmd.OfdStatus.decode,
    cmd.CloseReceiptAnswer.decode,
    cmd.FoundDocument.decode,
    cmd.FnResource.decode,
    cmd.decode_fn_serial,
    cmd.decode_fn_expiry,
    cmd.decode_ofd_unsent,
    cmd.decode_document_tlv_begin,
)


def run_kkt_status(*args):
    """Run ``python -m kkt.cli`` with ``args``; return the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "kkt.cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
