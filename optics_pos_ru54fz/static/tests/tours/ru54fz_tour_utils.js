/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// Tour steps that hand over to the Python test: it performs the asked server
// action (a fiscal job, an emulator fault, a screenshot) and then marks the page,
// so the tour waits on a DOM condition instead of a fixed delay.

const PREFIX = "ru54fz-tour-step";
let lastStep = 0;

/**
 * Ask the Python test to run `command` and wait until it reports it done.
 * @param {string} command e.g. "screenshot receipt_screen" or "fiscalise"
 */
export function serverStep(command, timeout = 60000) {
    const id = `s${++lastStep}`;
    return [
        {
            content: `ask the test to run: ${command}`,
            trigger: "body",
            run: () => console.log(`${PREFIX}:${id}:${command}`),
        },
        {
            content: `wait until the test ran: ${command}`,
            trigger: `body[data-ru54fz-done~="${id}"]`,
            isCheck: true,
            timeout,
        },
    ];
}

export function screenshot(name) {
    return serverStep(`screenshot ${name}`);
}

export function indicatorIs(level) {
    return [
        {
            content: `cash register indicator is ${level}`,
            trigger: `.pos-topheader .o_ru54fz_kkt_indicator[data-level="${level}"]`,
            isCheck: true,
            timeout: 30000,
        },
    ];
}

export function invoiceStatusIs(state, timeout = 30000) {
    return [
        {
            content: `receipt screen shows the invoice ${state}`,
            trigger: `.receipt-screen .o_ru54fz_invoice_status[data-state="${state}"]`,
            isCheck: true,
            timeout,
        },
    ];
}

export function fiscalStatusIs(state, timeout = 30000) {
    return [
        {
            content: `receipt screen shows fiscal state ${state}`,
            trigger: `.receipt-screen .o_ru54fz_fiscal_status[data-state="${state}"]`,
            isCheck: true,
            timeout,
        },
    ];
}
