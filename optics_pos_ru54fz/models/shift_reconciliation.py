# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Compare a closed shift's totals on the KKT with Odoo's, per VAT rate and
payment type, and keep the result per device, FN and shift."""

import json
from collections import Counter

from odoo import _, fields, models

from odoo.addons.optics_kkt_driver.kkt.receipt import REFUND
from odoo.addons.optics_kkt_driver.kkt.tlv import parse_tlvs, parse_vln

from .fiscal_receipt_builder import to_kopecks

TAG_OPERATION = 1054
TAG_CASH = 1031
TAG_ELECTRONIC = 1081
TAG_CREDIT = 1216
PAYMENT_TAGS = (
    (TAG_CASH, "cash"),
    (TAG_ELECTRONIC, "electronic"),
    (TAG_CREDIT, "credit"),
)
TAG_ITEM = 1059
TAG_ITEM_AMOUNT = 1043
TAG_ITEM_VAT = 1199

# Tag 1199 values (FFD VAT rate numbers) and the driver's tax code names.
VAT_OF_TAG_1199 = {
    1: "vat20",
    2: "vat10",
    3: "vat120",
    4: "vat110",
    5: "vat0",
    6: "none",
    7: "vat5",
    8: "vat7",
    9: "vat105",
    10: "vat107",
    11: "vat22",
    12: "vat122",
}


def totals_from_document(tlvs):
    """Signed totals of one FN receipt document, in kopecks.

    Keys are ``("vat", code)`` for item sums per VAT rate and ``("payment",
    "cash"|"electronic"|"credit")``, credit being what the customer pays later
    (tag 1216); a return receipt counts negative.

    >>> from odoo.addons.optics_kkt_driver.kkt.tlv import tlv_stlv, tlv_uint, tlv_vln
    >>> item = tlv_stlv(1059, [tlv_vln(1043, 12200), tlv_uint(1199, 11, 1)])
    >>> document = [tlv_uint(1054, 2, 1), tlv_vln(1031, 12200), item]
    >>> sorted(totals_from_document(parse_tlvs(b"".join(document))).items())
    [(('payment', 'cash'), -12200), (('vat', 'vat22'), -12200)]
    >>> on_credit = [tlv_vln(1031, 2200), tlv_vln(1216, 10000), item]
    >>> sorted(totals_from_document(parse_tlvs(b"".join(on_credit))).items())
    [(('payment', 'cash'), 2200), (('payment', 'credit'), 10000), \
(('vat', 'vat22'), 12200)]
    """
    values = dict(tlvs)
    sign = -1 if parse_vln(values.get(TAG_OPERATION, b"\x01")) == REFUND else 1
    totals = Counter()
    for tag, kind in PAYMENT_TAGS:
        if tag in values:
            totals[("payment", kind)] += sign * parse_vln(values[tag])
    for tag, value in tlvs:
        if tag != TAG_ITEM:
            continue
        item = dict(parse_tlvs(value))
        vat = VAT_OF_TAG_1199.get(parse_vln(item.get(TAG_ITEM_VAT, b"")), "unknown")
        totals[("vat", vat)] += sign * parse_vln(item.get(TAG_ITEM_AMOUNT, b""))
    return totals


def totals_from_request(request):
    """Signed totals of the receipt the KKT accepted, from the stored request;
    None when the request does not hold the lines (a receipt found again in
    the FN after a lost answer stores only its mark).

    >>> request = {"operation": 1, "cash": 5000, "electronic": 0,
    ...            "lines": [{"amount": 5000, "tax": "vat10"}]}
    >>> sorted(totals_from_request(request).items())
    [(('payment', 'cash'), 5000), (('vat', 'vat10'), 5000)]
    >>> totals_from_request({"mark": "R-1"}) is None
    True
    """
    if not request.get("lines"):
        return None
    sign = -1 if request.get("operation") == REFUND else 1
    totals = Counter()
    for _tag, kind in PAYMENT_TAGS:
        if request.get(kind):
            totals[("payment", kind)] += sign * int(request[kind])
    for line in request["lines"]:
        totals[("vat", line["tax"])] += sign * int(line["amount"])
    return totals


def compare_totals(odoo_totals, kkt_totals):
    """Return ``(key, odoo, kkt)`` for every key whose totals differ.

    >>> compare_totals({("vat", "vat22"): 100}, {("vat", "vat22"): 90,
    ...                                          ("payment", "cash"): 0})
    [(('vat', 'vat22'), 100, 90)]
    """
    keys = sorted(set(odoo_totals) | set(kkt_totals))
    return [
        (key, odoo_totals.get(key, 0), kkt_totals.get(key, 0))
        for key in keys
        if odoo_totals.get(key, 0) != kkt_totals.get(key, 0)
    ]


class Ru54fzShiftReconciliation(models.Model):
    _name = "ru54fz.shift.reconciliation"
    _description = "Shift reconciliation of a cash register"
    _order = "id desc"
    _rec_name = "shift_number"

    device_id = fields.Many2one(
        "kkt.device", required=True, ondelete="cascade", index=True, readonly=True
    )
    fn_serial = fields.Char(string="FN Serial", required=True, readonly=True)
    shift_number = fields.Integer(required=True, readonly=True)
    order_count = fields.Integer(string="Receipts", readonly=True)
    state = fields.Selection(
        [("match", "Totals match"), ("difference", "Differences")],
        required=True,
        readonly=True,
    )
    source = fields.Selection(
        [
            ("fn", "FN documents"),
            ("stored", "Stored fiscal requests"),
            ("mixed", "FN documents and stored requests"),
        ],
        string="KKT Totals From",
        readonly=True,
    )
    difference_text = fields.Text(string="Differences", readonly=True)

    _sql_constraints = [
        (
            "shift_unique",
            "unique(device_id, fn_serial, shift_number)",
            "A shift is reconciled once.",
        )
    ]

    def _compare_orders(self, device, orders):
        """Return the values of a reconciliation of ``orders`` (one shift)."""
        odoo_totals = Counter()
        kkt_totals = Counter()
        sources = set()
        unreadable = []
        for order in orders:
            odoo_totals.update(self._odoo_order_totals(order))
            totals, source = self._kkt_order_totals(device, order)
            if totals is None:
                unreadable.append(order.name)
                continue
            kkt_totals.update(totals)
            sources.add(source)

        differences = compare_totals(odoo_totals, kkt_totals)
        lines = [
            _(
                "%(kind)s %(key)s: Odoo %(odoo)s, KKT %(kkt)s",
                kind=_("VAT") if kind == "vat" else _("Payment"),
                key=key,
                odoo=_format_kopecks(odoo),
                kkt=_format_kopecks(kkt),
            )
            for (kind, key), odoo, kkt in differences
        ]
        if unreadable:
            lines.append(
                _(
                    "KKT totals unknown for %s: the device could not be read and "
                    "no request is stored.",
                    ", ".join(unreadable),
                )
            )
        return {
            "order_count": len(orders),
            "state": "difference" if lines else "match",
            "source": "mixed" if len(sources) > 1 else next(iter(sources), False),
            "difference_text": "\n".join(lines) or False,
        }

    def _odoo_order_totals(self, order):
        """Signed totals of an order as Odoo booked it, in kopecks."""
        totals = Counter()
        for line in order.lines:
            taxes = line.tax_ids_after_fiscal_position
            code = taxes[:1].kkt_tax_code or "none"
            totals[("vat", code)] += to_kopecks(line.price_subtotal_incl)
        for payment in order.payment_ids:
            kind = payment.payment_method_id.kkt_payment_kind or "electronic"
            totals[("payment", kind)] += to_kopecks(payment.amount)
        return totals

    def _kkt_order_totals(self, device, order):
        """Return ``(totals, source)`` of the order's receipt on the KKT: from
        its FN document when the driver can read it, else from the stored
        request; ``(None, None)`` when neither is available."""
        document = device._ru54fz_read_document(order.fiscal_fd_number)
        if document is not None:
            return totals_from_document(document), "fn"
        request = json.loads(order.fiscal_request or "{}")
        totals = totals_from_request(request)
        return (totals, "stored") if totals is not None else (None, None)


def _format_kopecks(amount):
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d}"
