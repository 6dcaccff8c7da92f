/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// Live updates from the server: cash register state and order fiscal data.

import { patch } from "@web/core/utils/patch";
import { PosBus } from "@point_of_sale/app/bus/pos_bus_service";

patch(PosBus.prototype, {
    dispatch(message) {
        super.dispatch(...arguments);
        if (message.type === "KKT_DEVICE_STATUS") {
            this.pos.ru54fzSetKkt(message.payload);
        } else if (message.type === "RU54FZ_ORDER_FISCAL") {
            this.pos.ru54fzSetFiscal(message.payload);
        }
    },
});
