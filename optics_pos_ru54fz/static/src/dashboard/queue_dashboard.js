/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// Job queue dashboard for POS managers: per-channel counts and start latency,
// refreshed every few seconds from /ru54fz/queue/stats.

import { Component, onWillStart, onWillUnmount, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";

const REFRESH_MS = 5000;

export class QueueDashboard extends Component {
    static template = "optics_pos_ru54fz.QueueDashboard";
    static props = ["*"];

    setup() {
        this.http = useService("http");
        this.action = useService("action");
        this.state = useState({
            loaded: false,
            channels: [],
            isolated: true,
            problems: [],
            channelSetup: "",
        });
        onWillStart(() => this.load());
        const timer = setInterval(() => this.load(), REFRESH_MS);
        onWillUnmount(() => clearInterval(timer));
    }

    async load() {
        const data = await this.http.get("/ru54fz/queue/stats");
        Object.assign(this.state, {
            loaded: true,
            channels: data.channels || [],
            isolated: data.isolated,
            problems: data.problems || [],
            channelSetup: data.channel_setup || "",
        });
    }

    seconds(value) {
        return value === null || value === undefined ? "-" : value.toFixed(2);
    }

    openJobs(channel, state) {
        const domain = [["channel", "=", channel]];
        if (state) {
            domain.push(["state", "=", state]);
        }
        this.action.doAction({
            type: "ir.actions.act_window",
            name: channel,
            res_model: "queue.job",
            views: [
                [false, "list"],
                [false, "form"],
            ],
            domain,
        });
    }
}

registry.category("actions").add("ru54fz_queue_dashboard", QueueDashboard);
