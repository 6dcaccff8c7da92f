/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// The cash register indicator of the POS top bar.

import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { usePos } from "@point_of_sale/app/store/pos_hook";
import { KktPopup } from "@optics_pos_ru54fz/app/kkt_popup/kkt_popup";

export class KktIndicator extends Component {
    static template = "optics_pos_ru54fz.KktIndicator";
    static props = {};

    setup() {
        this.pos = usePos();
        this.popup = useService("popup");
    }
    get kkt() {
        return this.pos.ru54fzKkt;
    }
    /** One of ok, warning, danger, on_hold: the colour of the indicator. */
    get level() {
        if (this.pos.ru54fzOffline) {
            return "on_hold";
        }
        if (this.kkt.link_state !== "online" || this.kkt.problems.length) {
            return "danger";
        }
        if (!this.kkt.shift_open || this.kkt.warnings) {
            return "warning";
        }
        return "ok";
    }
    get dotClass() {
        return {
            ok: "text-success",
            warning: "text-warning",
            danger: "text-danger",
            on_hold: "text-secondary",
        }[this.level];
    }
    get linkLabel() {
        if (this.pos.ru54fzOffline) {
            return _t("Receipts on hold");
        }
        return (
            {
                online: _t("KKT online"),
                offline: _t("KKT offline"),
                blocked: _t("KKT blocked"),
                unknown: _t("KKT not checked"),
            }[this.kkt.link_state] || this.kkt.link_state
        );
    }
    get shiftLabel() {
        if (!this.kkt.shift_open) {
            return _t("shift closed");
        }
        if (this.kkt.shift_expired) {
            return _t("shift %s, over 24 h", this.kkt.shift_number);
        }
        return _t("shift %(number)s, %(hours)s h", {
            number: this.kkt.shift_number,
            hours: this.kkt.shift_age_hours,
        });
    }
    onClick() {
        this.popup.add(KktPopup, {});
    }
}
