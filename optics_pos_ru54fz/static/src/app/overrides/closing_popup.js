/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// Closing the session warns about fiscal receipts still pending or given up,
// and offers the Z report.

import { onWillStart, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { ClosePosPopup } from "@point_of_sale/app/navbar/closing_popup/closing_popup";
import { ConfirmPopup } from "@point_of_sale/app/utils/confirm_popup/confirm_popup";

patch(ClosePosPopup.prototype, {
    setup() {
        super.setup(...arguments);
        this.ru54fz = useState({ check: false, error: "", done: "" });
        onWillStart(async () => {
            if (this.pos.ru54fzEnabled) {
                this.ru54fz.check = await this.orm.call("pos.session", "ru54fz_closing_check", [
                    [this.pos.pos_session.id],
                ]);
            }
        });
    },
    get ru54fzHasPending() {
        const check = this.ru54fz.check;
        return Boolean(
            check &&
                (check.pending.length ||
                    check.dead_letter.length ||
                    check.needs_attention.length)
        );
    },
    get ru54fzPendingText() {
        return _t("Fiscal receipts still pending: %s", this.ru54fz.check.pending.join(", "));
    },
    get ru54fzDeadLetterText() {
        return _t(
            "Fiscal receipts given up after all retries (a manager must retry them " +
                "from the order form): %s",
            this.ru54fz.check.dead_letter.join(", ")
        );
    },
    get ru54fzNeedsAttentionText() {
        return _t(
            "Orders the cash register cannot take as they are (a manager must " +
                "correct them, then retry the fiscal receipt): %s",
            this.ru54fz.check.needs_attention.join(", ")
        );
    },
    get ru54fzShiftText() {
        return _t("The cash register shift %s is open.", this.ru54fz.check.kkt.shift_number);
    },
    async ru54fzCloseShift() {
        this.ru54fz.error = "";
        const error = await this.pos.ru54fzKktAction("close_shift");
        this.ru54fz.error = error || "";
        this.ru54fz.done = error ? "" : _t("Shift closed, Z report printed.");
        this.ru54fz.check = { ...this.ru54fz.check, kkt: this.pos.ru54fzKkt };
    },
    async closeSession() {
        if (this.ru54fzHasPending) {
            const { confirmed } = await this.popup.add(ConfirmPopup, {
                title: _t("Fiscal receipts are not all printed"),
                body: _t(
                    "Some orders of this session have no fiscal receipt yet. They stay " +
                        "queued after closing and are printed when the cash register " +
                        "accepts them; orders given up need a manager. Close anyway?"
                ),
                confirmText: _t("Close anyway"),
            });
            if (!confirmed) {
                return;
            }
        }
        return super.closeSession(...arguments);
    },
});
