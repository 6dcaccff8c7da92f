/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// Orders carry the buyer contact for the electronic receipt (tag 1008) and
// expose their fiscal state to the screens and the printed ticket.

import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { Order } from "@point_of_sale/app/store/models";
import { qrCodeSrc } from "@point_of_sale/utils";

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const STATE_LABELS = {
    queued: _t("Queued for the cash register"),
    stalled: _t("Fiscal receipt stalled: its job has stopped"),
    printing: _t("Printing on the cash register"),
    sent: _t("Fiscal receipt printed"),
    failed: _t("Fiscal receipt failed"),
    dead_letter: _t("Fiscal receipt given up"),
    needs_attention: _t("Fiscal receipt needs attention"),
    on_hold: _t("On hold: no connection to the server"),
    not_required: _t("No fiscal receipt"),
};

/**
 * Return the buyer contact in the form the law expects (an e-mail, or +7 and
 * ten digits), or false when the text is neither.
 */
export function normaliseBuyerContact(text) {
    const value = (text || "").trim();
    if (EMAIL.test(value)) {
        return value;
    }
    const digits = value.replace(/[\s()-]/g, "");
    const match = digits.match(/^(?:\+7|8)(\d{10})$/);
    return match ? `+7${match[1]}` : false;
}

/** The fiscal lines printed on the POS ticket. */
function ticketLines(fiscal) {
    if (fiscal.state !== "sent") {
        return [fiscal.label];
    }
    return [
        _t("FISCAL RECEIPT"),
        _t("FN %s", fiscal.fn_serial),
        _t("FD %(fd)s FPD %(sign)s", { fd: fiscal.fd_number, sign: fiscal.fiscal_sign }),
        _t("Shift %(shift)s receipt %(receipt)s", {
            shift: fiscal.shift_number,
            receipt: fiscal.receipt_number,
        }),
    ];
}

patch(Order.prototype, {
    setup() {
        super.setup(...arguments);
        this.ru54fzBuyerContact = this.ru54fzBuyerContact || "";
    },
    init_from_JSON(json) {
        super.init_from_JSON(...arguments);
        this.ru54fzBuyerContact = json.fiscal_buyer_contact || "";
        if (json.ru54fz_fiscal) {
            this.pos.ru54fzSetFiscal(json.ru54fz_fiscal);
        }
    },
    async pay() {
        if (await this.pos.ru54fzCheckDeviceReady()) {
            return super.pay(...arguments);
        }
    },
    export_as_JSON() {
        const json = super.export_as_JSON(...arguments);
        json.fiscal_buyer_contact = this.ru54fzBuyerContact || false;
        return json;
    },
    /** The order's fiscal data with a state the screens can show. */
    get ru54fzFiscal() {
        if (!this.pos.ru54fzEnabled) {
            return false;
        }
        const data = this.server_id && this.pos.ru54fzFiscal[this.server_id];
        if (data) {
            // Orders paid before fiscalisation was set up have no fiscal state.
            let state = data.state || "not_required";
            if (state === "to_send") {
                state = data.retry_allowed ? "stalled" : "queued";
            }
            return { ...data, state, label: STATE_LABELS[state] };
        }
        if (this.finalized || this.locked) {
            const state = this.server_id ? "queued" : "on_hold";
            return { state, label: STATE_LABELS[state] };
        }
        return false;
    },
    /**
     * The invoice of an order to invoice: ``on_hold`` until the order reaches the
     * server, ``waiting`` until its job has posted it, then ``ready``; ``failed``
     * with the reason when it could not be made.
     */
    get ru54fzInvoice() {
        if (!this.is_to_invoice() || !(this.finalized || this.locked)) {
            return false;
        }
        const data = this.server_id && this.pos.ru54fzFiscal[this.server_id];
        if (!this.server_id) {
            return { state: "on_hold" };
        }
        if (data && data.invoice_error) {
            return { state: "failed", error: data.invoice_error };
        }
        if (!data || !data.invoice_id) {
            return { state: "waiting" };
        }
        return { state: "ready", id: data.invoice_id, name: data.invoice_name };
    },
    export_for_printing() {
        const result = super.export_for_printing(...arguments);
        const fiscal = this.ru54fzFiscal;
        if (fiscal) {
            result.ru54fz_fiscal = {
                ...fiscal,
                ticket_lines: ticketLines(fiscal),
                qr_src: fiscal.state === "sent" && fiscal.qr && qrCodeSrc(fiscal.qr, { size: 150 }),
            };
        }
        return result;
    },
});
