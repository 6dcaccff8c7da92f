/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// The fiscal receipt state of one order, live, with a retry when it failed.

import { Component, onMounted, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { usePos } from "@point_of_sale/app/store/pos_hook";
import { qrCodeSrc } from "@point_of_sale/utils";

export class FiscalStatus extends Component {
    static template = "optics_pos_ru54fz.FiscalStatus";
    static props = { order: Object };

    setup() {
        this.pos = usePos();
        this.orm = useService("orm");
        this.state = useState({ retrying: false });
        onMounted(() => this.pos.ru54fzLoadFiscal([this.props.order.server_id]));
    }
    get fiscal() {
        return this.props.order.ru54fzFiscal;
    }
    get fdText() {
        return _t("FD No. %s", this.fiscal.fd_number);
    }
    get signText() {
        return _t("Fiscal sign (FPD) %s", this.fiscal.fiscal_sign);
    }
    get fnText() {
        return _t("FN %(fn)s, shift %(shift)s, receipt %(receipt)s", {
            fn: this.fiscal.fn_serial,
            shift: this.fiscal.shift_number,
            receipt: this.fiscal.receipt_number,
        });
    }
    get alertClass() {
        return (
            {
                sent: "alert-success",
                stalled: "alert-danger",
                failed: "alert-danger",
                dead_letter: "alert-danger",
                needs_attention: "alert-danger",
                on_hold: "alert-warning",
            }[this.fiscal.state] || "alert-info"
        );
    }
    get canRetry() {
        return this.pos.ru54fzCanRetry(this.props.order);
    }
    get qrSrc() {
        return qrCodeSrc(this.fiscal.qr, { size: 150 });
    }
    async onRetry() {
        this.state.retrying = true;
        try {
            await this.pos.ru54fzRetryFiscal(this.props.order);
        } finally {
            this.state.retrying = false;
        }
    }
}
