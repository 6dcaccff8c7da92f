# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Configure a database over JSON-RPC for fiscal receipts on one KKT (device,
tax, products, POS config, open session) and build paid POS orders for it."""

import itertools
from dataclasses import dataclass

from .rpc import pos_order_payload

VAT_RATE = 22.0
PRODUCTS = (
    ("Spectacle frame", 4500.0),
    ("Pair of lenses", 3200.0),
    ("Lens cleaning cloth", 250.0),
)


@dataclass
class PosSetup:
    """Ids of the records a fiscalised POS order needs."""

    device_id: int
    config_id: int
    session_id: int
    user_id: int
    tax_id: int
    products: list
    cash_method_id: int
    card_method_id: int


def _find_or_create(rpc, model, domain, values):
    found = rpc.call(model, "search", domain, limit=1)
    return found[0] if found else rpc.call(model, "create", values)


def _payment_methods(rpc, config_id):
    config = rpc.call("pos.config", "read", [config_id], ["payment_method_ids"])[0]
    methods = rpc.call(
        "pos.payment.method",
        "read",
        config["payment_method_ids"],
        ["is_cash_count", "split_transactions"],
    )
    usable = [method for method in methods if not method["split_transactions"]]
    cash = next(method["id"] for method in usable if method["is_cash_count"])
    card = next((m["id"] for m in usable if not m["is_cash_count"]), cash)
    return cash, card


def _open_session(rpc, config_id):
    domain = [
        ("config_id", "=", config_id),
        ("state", "in", ["opening_control", "opened"]),
    ]
    found = rpc.call("pos.session", "search", domain, limit=1)
    session_id = found[0] if found else None
    if not session_id:
        values = {"config_id": config_id, "user_id": rpc.uid}
        session_id = rpc.call("pos.session", "create", values)
    rpc.call("pos.session", "action_pos_session_open", [session_id])
    state = rpc.call("pos.session", "read", [session_id], ["state"])[0]["state"]
    if state == "opening_control":
        rpc.call("pos.session", "set_cashbox_pos", [session_id], 0, "")
    return session_id


def configure_pos(rpc, kkt_url, protocol="1", device_name="Emulated KKT"):
    """Make the first POS config of the database fiscalise on the KKT at
    ``kkt_url`` and open a POS session; idempotent. Returns a PosSetup."""
    device_id = _find_or_create(
        rpc,
        "kkt.device",
        [("name", "=", device_name)],
        {"name": device_name, "connection_url": kkt_url, "protocol": protocol},
    )
    rpc.call(
        "kkt.device",
        "write",
        [device_id],
        {"connection_url": kkt_url, "protocol": protocol},
    )
    tax_id = _find_or_create(
        rpc,
        "account.tax",
        [("name", "=", "VAT 22% (included)"), ("type_tax_use", "=", "sale")],
        {
            "name": "VAT 22% (included)",
            "amount_type": "percent",
            "amount": VAT_RATE,
            "price_include": True,
            "type_tax_use": "sale",
            "kkt_tax_code": "vat22",
        },
    )
    products = []
    for name, price in PRODUCTS:
        product_id = _find_or_create(
            rpc,
            "product.product",
            [("name", "=", name), ("available_in_pos", "=", True)],
            {
                "name": name,
                "lst_price": price,
                "available_in_pos": True,
                "taxes_id": [(6, 0, [tax_id])],
            },
        )
        products.append({"id": product_id, "name": name, "price": price})

    config_id = rpc.call("pos.config", "search", [], limit=1, order="id")[0]
    rpc.call("pos.config", "write", [config_id], {"kkt_device_id": device_id})
    cash_id, card_id = _payment_methods(rpc, config_id)
    session_id = _open_session(rpc, config_id)
    return PosSetup(
        device_id, config_id, session_id, rpc.uid, tax_id, products, cash_id, card_id
    )


def order_line(setup, product, qty, discount=0.0):
    """Return a POS order line of ``product`` with the 22 % tax included."""
    total = round(product["price"] * qty * (1 - discount / 100.0), 2)
    untaxed = round(total / (1 + VAT_RATE / 100.0), 2)
    return {
        "product_id": product["id"],
        "qty": qty,
        "price_unit": product["price"],
        "discount": discount,
        "price_subtotal": untaxed,
        "price_subtotal_incl": total,
        "tax_ids": [setup.tax_id],
    }


def paid_order(setup, index, **data):
    """Return the POS sync JSON of paid order number ``index``: one to three
    lines, paid in cash or by card in turn."""
    cycle = itertools.islice(itertools.cycle(setup.products), index % 3 + 1)
    lines = [order_line(setup, product, 1 + index % 2) for product in cycle]
    total = round(sum(line["price_subtotal_incl"] for line in lines), 2)
    method = setup.cash_method_id if index % 2 else setup.card_method_id
    return pos_order_payload(
        setup.session_id,
        setup.user_id,
        lines,
        [(method, total)],
        sequence_number=index,
        **data,
    )
