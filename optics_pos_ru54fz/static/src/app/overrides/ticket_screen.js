/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// The order list shows each order's fiscal state, lets managers queue a failed
// or stuck receipt again, and refuses to refund an order whose receipt is not
// fiscalised yet.

import { useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { ErrorPopup } from "@point_of_sale/app/errors/popups/error_popup";
import { TicketScreen } from "@point_of_sale/app/screens/ticket_screen/ticket_screen";

const BADGE_CLASSES = {
    sent: "text-bg-success",
    queued: "text-bg-info",
    printing: "text-bg-info",
    on_hold: "text-bg-warning",
    stalled: "text-bg-danger",
    failed: "text-bg-danger",
    dead_letter: "text-bg-danger",
    needs_attention: "text-bg-danger",
};
const REFUNDABLE_STATES = ["sent", "not_required"];

patch(TicketScreen.prototype, {
    setup() {
        super.setup(...arguments);
        this.ru54fzRetry = useState({ busy: false });
    },
    ru54fzBadge(order) {
        const fiscal = order.ru54fzFiscal;
        if (!fiscal || fiscal.state === "not_required") {
            return false;
        }
        return { state: fiscal.state, label: fiscal.label, cls: BADGE_CLASSES[fiscal.state] };
    },
    async onRu54fzRetry(order) {
        this.ru54fzRetry.busy = true;
        try {
            await this.pos.ru54fzRetryFiscal(order);
        } finally {
            this.ru54fzRetry.busy = false;
        }
    },
    async onDoRefund() {
        const order = this.getSelectedOrder();
        const fiscal = order && order.ru54fzFiscal;
        if (fiscal && !REFUNDABLE_STATES.includes(fiscal.state)) {
            await this.popup.add(ErrorPopup, {
                title: _t("Refund refused"),
                body: _t(
                    "The receipt of %(order)s is not fiscalised yet (%(state)s). A return " +
                        "receipt must reference the original fiscal document. Wait until the " +
                        "original receipt is printed, or ask a manager to retry it from this " +
                        "order list or the backend, then refund.",
                    { order: order.name, state: fiscal.label }
                ),
            });
            return;
        }
        return super.onDoRefund(...arguments);
    },
});
