/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// A manager opens a cash register, tests the connection and opens a shift.

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("optics_kkt_device_buttons", {
    test: true,
    url: "/web#action=optics_kkt_driver.action_kkt_device",
    steps: () => [
        {
            content: "Open the cash register",
            trigger: ".o_data_row td:contains('Tour KKT')",
        },
        {
            content: "Test the connection",
            trigger: "button[name='action_kkt_test_connection']",
        },
        {
            content: "The device answers",
            trigger: ".o_notification:contains('answers')",
            isCheck: true,
        },
        {
            content: "The link shows online",
            trigger: ".o_statusbar_status .o_arrow_button_current:contains('Online')",
            isCheck: true,
        },
        {
            content: "Open a shift",
            trigger: "button[name='action_kkt_open_shift']",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer .btn-primary",
        },
        {
            content: "The shift is open",
            trigger: ".o_notification:contains('is open')",
            isCheck: true,
        },
        {
            content: "The Z report button appears",
            trigger: "button[name='action_kkt_close_shift']",
            isCheck: true,
        },
    ],
});
