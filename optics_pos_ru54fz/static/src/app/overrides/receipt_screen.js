/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// The receipt screen shows the fiscal receipt state and the invoice of the
// order just paid.

import { patch } from "@web/core/utils/patch";
import { ReceiptScreen } from "@point_of_sale/app/screens/receipt_screen/receipt_screen";
import { FiscalStatus } from "@optics_pos_ru54fz/app/fiscal_status/fiscal_status";
import { InvoiceStatus } from "@optics_pos_ru54fz/app/invoice_status/invoice_status";

patch(ReceiptScreen, {
    components: { ...ReceiptScreen.components, FiscalStatus, InvoiceStatus },
});
