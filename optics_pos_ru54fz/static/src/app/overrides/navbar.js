/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// The top bar shows the cash register indicator.

import { patch } from "@web/core/utils/patch";
import { Navbar } from "@point_of_sale/app/navbar/navbar";
import { KktIndicator } from "@optics_pos_ru54fz/app/kkt_indicator/kkt_indicator";

patch(Navbar, {
    components: { ...Navbar.components, KktIndicator },
});
