/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// The payment screen takes the buyer contact for the electronic receipt,
// refuses orders the cash register would reject, before payment is final, and
// leaves the invoice to the receipt screen.

import { useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { ConnectionLostError } from "@web/core/network/rpc_service";
import { patch } from "@web/core/utils/patch";
import { ErrorPopup } from "@point_of_sale/app/errors/popups/error_popup";
import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";
import { normaliseBuyerContact } from "@optics_pos_ru54fz/app/order";

patch(PaymentScreen.prototype, {
    setup() {
        super.setup(...arguments);
        this.ru54fzContact = useState({
            text: this.currentOrder.ru54fzBuyerContact,
            invalid: false,
        });
    },
    onRu54fzContactChange(ev) {
        const text = ev.target.value.trim();
        const contact = normaliseBuyerContact(text);
        this.ru54fzContact.text = text;
        this.ru54fzContact.invalid = Boolean(text) && !contact;
        this.currentOrder.ru54fzBuyerContact = contact || "";
    },
    async _isOrderValid() {
        if (!(await super._isOrderValid(...arguments))) {
            return false;
        }
        if (!this.pos.ru54fzEnabled) {
            return true;
        }
        if (this.ru54fzContact.invalid) {
            this.popup.add(ErrorPopup, {
                title: _t("Invalid buyer contact"),
                body: _t(
                    "The electronic receipt goes to an e-mail address or to a phone " +
                        "number written as +7 and ten digits. Correct it or clear the field."
                ),
            });
            return false;
        }
        return this._ru54fzCheckFiscalPayload();
    },
    shouldDownloadInvoice() {
        // The invoice is made by a job after the sync: the receipt screen offers
        // it for download once it is posted.
        return false;
    },
    async _ru54fzCheckFiscalPayload() {
        let messages;
        try {
            messages = await this.orm.silent.call("pos.order", "ru54fz_check_fiscal_payload", [
                this.currentOrder.export_as_JSON(),
            ]);
        } catch (error) {
            if (error instanceof ConnectionLostError) {
                // The server checks again when the order syncs and marks it.
                return true;
            }
            throw error;
        }
        if (messages.length) {
            this.popup.add(ErrorPopup, {
                title: _t("The cash register would refuse this receipt"),
                body: messages.join("\n"),
            });
            return false;
        }
        return true;
    },
});
