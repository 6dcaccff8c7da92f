/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// Details of the cash register and its shift actions, opened from the indicator.

import { useState } from "@odoo/owl";
import { deserializeDateTime, formatDateTime } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { AbstractAwaitablePopup } from "@point_of_sale/app/popup/abstract_awaitable_popup";
import { ConfirmPopup } from "@point_of_sale/app/utils/confirm_popup/confirm_popup";
import { usePos } from "@point_of_sale/app/store/pos_hook";

/** Format a UTC date-time string of the server in the user's time zone. */
function formatServerDateTime(value) {
    return value ? formatDateTime(deserializeDateTime(value)) : "";
}

export class KktPopup extends AbstractAwaitablePopup {
    static template = "optics_pos_ru54fz.KktPopup";
    static defaultProps = { cancelKey: "Escape" };

    setup() {
        super.setup();
        this.pos = usePos();
        this.popup = useService("popup");
        this.state = useState({ error: "", done: "" });
    }
    get kkt() {
        return this.pos.ru54fzKkt;
    }
    get title() {
        return _t("Cash register %s", this.kkt.name);
    }
    get linkText() {
        return (
            {
                online: _t("Online: the cash register answers"),
                offline: _t("Offline: the cash register does not answer"),
                blocked: _t("Blocked: the cash register refuses receipts"),
                unknown: _t("Not checked yet"),
            }[this.kkt.link_state] || this.kkt.link_state
        );
    }
    get shiftText() {
        if (!this.kkt.shift_open) {
            return _t("Closed");
        }
        return _t("No. %(number)s, open for %(hours)s h", {
            number: this.kkt.shift_number,
            hours: this.kkt.shift_age_hours,
        });
    }
    get ofdText() {
        if (!this.kkt.ofd_oldest_unsent) {
            return String(this.kkt.ofd_unsent_count);
        }
        return _t("%(count)s, the oldest from %(date)s", {
            count: this.kkt.ofd_unsent_count,
            date: formatServerDateTime(this.kkt.ofd_oldest_unsent),
        });
    }
    get checkedText() {
        return formatServerDateTime(this.kkt.status_checked_at);
    }
    get busyLabel() {
        return {
            refresh: _t("Asking the cash register for its status..."),
            open_shift: _t("Opening the shift..."),
            x_report: _t("Printing the X report..."),
            close_shift: _t("Closing the shift: printing the Z report..."),
        }[this.pos.ru54fzBusy];
    }
    async onRefresh() {
        this.pos.ru54fzBusy = "refresh";
        this.state.error = "";
        try {
            await this.pos.ru54fzRefreshKkt();
        } finally {
            this.pos.ru54fzBusy = false;
        }
    }
    async onAction(operation) {
        if (operation === "close_shift") {
            const { confirmed } = await this.popup.add(ConfirmPopup, {
                title: _t("Close the shift?"),
                body: _t(
                    "The cash register prints the Z report and refuses sales until " +
                        "a new shift is opened."
                ),
            });
            if (!confirmed) {
                return;
            }
        }
        this.state.error = "";
        this.state.done = "";
        const error = await this.pos.ru54fzKktAction(operation);
        this.state.error = error || "";
        this.state.done = error
            ? ""
            : {
                  open_shift: _t("Shift opened."),
                  x_report: _t("X report printed."),
                  close_shift: _t("Shift closed, Z report printed."),
              }[operation];
    }
}
