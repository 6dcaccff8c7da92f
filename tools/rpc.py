# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A JSON-RPC client for a running Odoo server, and the order JSON the POS
screen sends to `pos.order.create_from_ui`."""

import itertools
import random
from datetime import datetime, timezone

import requests


class RpcError(RuntimeError):
    """Odoo answered a JSON-RPC call with an error.

    :ivar data: the ``error.data`` part of the answer (exception name,
        message, debug traceback)
    """

    def __init__(self, message, data=None):
        super().__init__(message)
        self.data = data or {}


class RpcClient:
    """Talk to Odoo as the web client does: a session cookie and ``call_kw``.

    :param url: the server's base URL, e.g. ``http://127.0.0.1:8069``
    """

    def __init__(self, url, timeout=120.0):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        self.uid = None
        self.context = {}
        self._ids = itertools.count(1)

    def _post(self, path, params):
        payload = {"jsonrpc": "2.0", "method": "call", "id": next(self._ids)}
        payload["params"] = params
        answer = self.http.post(f"{self.url}{path}", json=payload, timeout=self.timeout)
        answer.raise_for_status()
        body = answer.json()
        if "error" in body:
            data = body["error"].get("data", {})
            raise RpcError(data.get("message") or body["error"].get("message"), data)
        return body.get("result")

    def login(self, database, login="admin", password="admin"):  # noqa: S107
        """Open a session; return the user id."""
        params = {"db": database, "login": login, "password": password}
        result = self._post("/web/session/authenticate", params)
        if not result or not result.get("uid"):
            raise RpcError(f"login {login} refused on {database}")
        self.uid = result["uid"]
        self.context = result.get("user_context", {})
        return self.uid

    def call(self, model, method, *args, **kwargs):
        """Call ``model.method(*args, **kwargs)`` and return its result."""
        kwargs.setdefault("context", self.context)
        params = {
            "model": model,
            "method": method,
            "args": list(args),
            "kwargs": kwargs,
        }
        return self._post(f"/web/dataset/call_kw/{model}/{method}", params)

    def search_read(self, model, domain, fields, **kwargs):
        """Return the records of ``model`` matching ``domain`` as dicts."""
        return self.call(model, "search_read", domain, fields, **kwargs)

    def create_from_ui(self, orders, draft=False):
        """Push POS orders exactly as the POS screen syncs them."""
        return self.call("pos.order", "create_from_ui", orders, draft=draft)


def _now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def order_uid(session_id):
    """Return a POS order uid in the screen's ``SSSSS-LLL-NNNN`` form."""
    return (
        f"{session_id:05d}-{random.randint(1, 999):03d}-{random.randint(1, 9999):04d}"
    )


def pos_order_payload(session_id, user_id, lines, payments, sequence_number=1, **data):
    """Build the dict the POS screen sends for one paid order.

    :param lines: dicts with ``product_id``, ``qty``, ``price_unit``,
        ``price_subtotal``, ``price_subtotal_incl``, ``tax_ids`` and
        optionally ``discount``
    :param payments: ``(payment_method_id, amount)`` pairs
    :param data: more order fields (``partner_id``, ``to_invoice``, ...)
    """
    uid = data.pop("uid", None) or order_uid(session_id)
    total = round(sum(line["price_subtotal_incl"] for line in lines), 2)
    untaxed = round(sum(line["price_subtotal"] for line in lines), 2)
    order_lines = [
        (
            0,
            0,
            {
                "id": index,
                "pack_lot_ids": [],
                "discount": line.get("discount", 0.0),
                "price_unit": line["price_unit"],
                "product_id": line["product_id"],
                "price_subtotal": line["price_subtotal"],
                "price_subtotal_incl": line["price_subtotal_incl"],
                "qty": line["qty"],
                "tax_ids": [(6, 0, line["tax_ids"])],
            },
        )
        for index, line in enumerate(lines, start=1)
    ]
    statement_ids = [
        (0, 0, {"amount": amount, "name": _now(), "payment_method_id": method_id})
        for method_id, amount in payments
    ]
    order = {
        "name": f"Order {uid}",
        "uid": uid,
        "pos_session_id": session_id,
        "user_id": user_id,
        "partner_id": False,
        "fiscal_position_id": False,
        "pricelist_id": False,
        "sequence_number": sequence_number,
        "date_order": _now(),
        "lines": order_lines,
        "statement_ids": statement_ids,
        "amount_total": total,
        "amount_tax": round(total - untaxed, 2),
        "amount_paid": round(sum(amount for _method, amount in payments), 2),
        "amount_return": 0.0,
        "to_invoice": False,
        **data,
    }
    return {"id": uid, "data": order, "to_invoice": order["to_invoice"]}
