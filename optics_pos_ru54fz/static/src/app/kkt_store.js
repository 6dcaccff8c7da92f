/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// The POS store learns the cash register state and the fiscal data of orders,
// keeps them live from bus messages, and warns when receipts are on hold.

import { _t } from "@web/core/l10n/translation";
import { ConnectionLostError } from "@web/core/network/rpc_service";
import { patch } from "@web/core/utils/patch";
import { ErrorPopup } from "@point_of_sale/app/errors/popups/error_popup";
import { PosStore } from "@point_of_sale/app/store/pos_store";

patch(PosStore.prototype, {
    _loadPoSConfig() {
        super._loadPoSConfig(...arguments);
        const data = this.config.ru54fz || {};
        this.ru54fzKkt = data.kkt || false;
        this.ru54fzCanManage = Boolean(data.can_manage_kkt);
        this.ru54fzFiscal = {};
        this.ru54fzBusy = false;
    },
    /** True when this POS prints fiscal receipts on a cash register. */
    get ru54fzEnabled() {
        return Boolean(this.ru54fzKkt);
    },
    get ru54fzOffline() {
        return this.synch.status === "disconnected";
    },
    ru54fzSetKkt(state) {
        if (this.ru54fzKkt && state.id === this.ru54fzKkt.id) {
            this.ru54fzKkt = state;
        }
    },
    ru54fzSetFiscal(data) {
        this.ru54fzFiscal[data.id] = data;
    },
    /** Fetch the fiscal and invoice data of synced orders, by their server ids. */
    async ru54fzLoadFiscal(orderIds) {
        const ids = orderIds.filter(Boolean);
        if (!ids.length) {
            return;
        }
        const result = await this.orm.silent.call(
            "pos.session",
            "ru54fz_fiscal_info",
            [[this.pos_session.id], ids]
        );
        for (const data of Object.values(result)) {
            this.ru54fzSetFiscal(data);
        }
    },
    /** True when this user may queue the order's failed or stuck receipt again. */
    ru54fzCanRetry(order) {
        const fiscal = order && order.ru54fzFiscal;
        return Boolean(this.ru54fzCanManage && fiscal && fiscal.retry_allowed);
    },
    /** Queue the order's fiscal receipt again (POS managers). */
    async ru54fzRetryFiscal(order) {
        const data = await this.orm.call("pos.order", "ru54fz_pos_retry_fiscal", [
            [order.server_id],
        ]);
        this.ru54fzSetFiscal(data);
    },
    /** Refresh the cash register state from the device. */
    async ru54fzRefreshKkt() {
        const state = await this.orm.call("kkt.device", "ru54fz_pos_refresh", [
            [this.ru54fzKkt.id],
        ]);
        this.ru54fzSetKkt(state);
        return state;
    },
    /** Run open_shift, x_report or close_shift on the device; returns its error. */
    async ru54fzKktAction(operation) {
        this.ru54fzBusy = operation;
        try {
            const state = await this.orm.call("kkt.device", "ru54fz_pos_action", [
                [this.ru54fzKkt.id],
                operation,
            ]);
            this.ru54fzSetKkt(state);
            return state.error;
        } finally {
            this.ru54fzBusy = false;
        }
    },
    /**
     * Tell the cashier why the device cannot take a receipt now.
     * Returns true when the sale may go on.
     */
    async ru54fzCheckDeviceReady() {
        if (!this.ru54fzEnabled || !this.ru54fzKkt.problems.length || this.ru54fzOffline) {
            return true;
        }
        let state;
        try {
            state = await this.ru54fzRefreshKkt();
        } catch (error) {
            if (error instanceof ConnectionLostError) {
                // Without the server the order is kept and fiscalised later.
                return true;
            }
            throw error;
        }
        if (!state.problems.length) {
            return true;
        }
        await this.popup.add(ErrorPopup, {
            title: _t("The cash register cannot take this receipt"),
            body: state.problems
                .map((problem) => `${problem.message} ${problem.action}`)
                .join("\n\n"),
        });
        return false;
    },
    set_synch(status) {
        const wasOffline = this.synch?.status === "disconnected";
        super.set_synch(...arguments);
        if (!this.ru54fzEnabled) {
            return;
        }
        if (status === "disconnected" && !wasOffline) {
            this.env.services.pos_notification.add(
                _t(
                    "Connection to the server lost: fiscal receipts are on hold. " +
                        "Orders are kept and fiscalised when the connection returns."
                ),
                6000
            );
        } else if (status === "connected" && wasOffline) {
            this.ru54fzLoadFiscal(this.get_order_list().map((order) => order.server_id));
        }
    },
});
