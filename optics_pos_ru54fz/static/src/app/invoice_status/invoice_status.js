/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// The invoice of an order to invoice, made by a background job: the receipt
// screen says it is being made, then offers it for download.

import { Component, onMounted, useState } from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";
import { usePos } from "@point_of_sale/app/store/pos_hook";

export class InvoiceStatus extends Component {
    static template = "optics_pos_ru54fz.InvoiceStatus";
    static props = { order: Object };

    setup() {
        this.pos = usePos();
        this.report = useService("report");
        this.state = useState({ downloading: false });
        onMounted(() => this.pos.ru54fzLoadFiscal([this.props.order.server_id]));
    }
    get invoice() {
        return this.props.order.ru54fzInvoice;
    }
    async onDownload() {
        this.state.downloading = true;
        try {
            await this.report.doAction("account.account_invoices", [this.invoice.id]);
        } finally {
            this.state.downloading = false;
        }
    }
}
