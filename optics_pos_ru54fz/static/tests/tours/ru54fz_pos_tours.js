/** @odoo-module */
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
// Tours of the POS fiscal screens, run by optics_pos_ru54fz/tests/test_pos_tours.py.

import { registry } from "@web/core/registry";
import * as ErrorPopup from "@point_of_sale/../tests/tours/helpers/ErrorPopupTourMethods";
import * as PaymentScreen from "@point_of_sale/../tests/tours/helpers/PaymentScreenTourMethods";
import * as ProductScreen from "@point_of_sale/../tests/tours/helpers/ProductScreenTourMethods";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/helpers/ReceiptScreenTourMethods";
import * as TicketScreen from "@point_of_sale/../tests/tours/helpers/TicketScreenTourMethods";
import * as Chrome from "@point_of_sale/../tests/tours/helpers/ChromeTourMethods";
import {
    fiscalStatusIs,
    indicatorIs,
    invoiceStatusIs,
    screenshot,
    serverStep,
} from "@optics_pos_ru54fz/../tests/tours/ru54fz_tour_utils";

const PRODUCT = "Fiscal Test Lens";
const OLD_RATE_PRODUCT = "Old Rate Frame";
const INVOICE_BUYER = "Tour Invoice Buyer";

registry.category("web_tour.tours").add("ru54fz_sale_fiscal_receipt", {
    test: true,
    url: "/pos/ui",
    steps: () =>
        [
            indicatorIs("ok"),
            screenshot("sale_1_product_screen_indicator"),
            ProductScreen.clickHomeCategory(),
            ProductScreen.clickDisplayedProduct(PRODUCT),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Cash"),
            {
                content: "type a buyer phone that is not valid",
                trigger: ".payment-screen .o_ru54fz_buyer_contact input",
                run: "text 12345",
            },
            {
                content: "the field says what it expects",
                trigger: ".o_ru54fz_buyer_contact .invalid-feedback",
                isCheck: true,
            },
            {
                content: "type the buyer phone in a usual Russian form",
                trigger: ".payment-screen .o_ru54fz_buyer_contact input",
                run: "text +7 (900) 123-45-67",
            },
            {
                content: "the phone is accepted",
                trigger: ".o_ru54fz_buyer_contact:not(:has(.invalid-feedback))",
                isCheck: true,
            },
            screenshot("sale_2_payment_screen_buyer_contact"),
            PaymentScreen.clickValidate(),
            fiscalStatusIs("queued"),
            screenshot("sale_3_receipt_screen_queued"),
            serverStep("fiscalise"),
            fiscalStatusIs("sent"),
            {
                content: "FD number and fiscal sign are shown",
                trigger: ".o_ru54fz_fiscal_status .o_ru54fz_fiscal_fd:contains('FD No.')",
                extra_trigger: ".o_ru54fz_fiscal_status .o_ru54fz_fiscal_sign",
                isCheck: true,
            },
            {
                content: "the fiscal QR code is drawn on screen and on the ticket",
                trigger: ".o_ru54fz_fiscal_status img.o_ru54fz_fiscal_qr",
                extra_trigger: ".pos-receipt .o_ru54fz_ticket_fiscal img.o_ru54fz_ticket_qr",
                isCheck: true,
            },
            screenshot("sale_4_receipt_screen_fiscalised"),
            {
                content: "scroll the POS ticket to its fiscal part",
                trigger: ".pos-receipt .o_ru54fz_ticket_fiscal",
                run: () =>
                    document
                        .querySelector(".pos-receipt .o_ru54fz_ticket_qr")
                        .scrollIntoView({ block: "center" }),
            },
            screenshot("sale_5_ticket_fiscal_qr"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("ru54fz_indicator_offline", {
    test: true,
    url: "/pos/ui",
    steps: () =>
        [
            indicatorIs("ok"),
            serverStep("silence"),
            indicatorIs("danger"),
            screenshot("offline_1_indicator_red"),
            {
                content: "open the cash register panel",
                trigger: ".pos-topheader .o_ru54fz_kkt_indicator",
            },
            {
                content: "the panel says the link is offline",
                trigger: ".o_ru54fz_kkt_popup .o_ru54fz_kkt_popup_link[data-link='offline']",
                isCheck: true,
            },
            screenshot("offline_2_kkt_panel_offline"),
            serverStep("revive"),
            {
                content: "ask the cash register again",
                trigger: ".o_ru54fz_kkt_popup .o_ru54fz_refresh:not([disabled])",
            },
            {
                content: "the panel says the link is online",
                trigger: ".o_ru54fz_kkt_popup .o_ru54fz_kkt_popup_link[data-link='online']",
                isCheck: true,
                timeout: 30000,
            },
            {
                content: "close the panel",
                trigger: ".o_ru54fz_kkt_popup .cancel",
            },
            indicatorIs("ok"),
            screenshot("offline_3_indicator_green_again"),
        ].flat(),
});

registry.category("web_tour.tours").add("ru54fz_refund_after_fiscalisation", {
    test: true,
    url: "/pos/ui",
    steps: () =>
        [
            Chrome.clickMenuButton(),
            Chrome.clickTicketButton(),
            TicketScreen.selectFilter("Paid"),
            {
                content: "the unfiscalised order shows its fiscal state",
                trigger: ".ticket-screen .order-row .o_ru54fz_fiscal_badge[data-state='queued']",
            },
            screenshot("refund_1_order_list_badges"),
            {
                content: "refund the selected order",
                trigger: ".ticket-screen .button.pay-order-button",
            },
            {
                content: "the popup says why the refund is refused",
                trigger: ".modal-dialog .popup-error .modal-body:contains('not fiscalised')",
                isCheck: true,
            },
            screenshot("refund_2_refund_refused"),
            ErrorPopup.clickConfirm(),
            {
                content: "no refund order was started",
                trigger: ".ticket-screen",
                extra_trigger: "body:not(:has(.popups .popup))",
                isCheck: true,
            },
            serverStep("fiscalise"),
            {
                content: "the badge turns to printed, live",
                trigger: ".ticket-screen .order-row .o_ru54fz_fiscal_badge[data-state='sent']",
                timeout: 30000,
            },
            screenshot("refund_3_original_fiscalised"),
            {
                content: "refund the order again",
                trigger: ".ticket-screen .button.pay-order-button",
            },
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Cash"),
            PaymentScreen.clickValidate(),
            fiscalStatusIs("queued"),
            serverStep("fiscalise"),
            fiscalStatusIs("sent"),
            screenshot("refund_4_return_receipt_printed"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("ru54fz_x_report", {
    test: true,
    url: "/pos/ui",
    steps: () =>
        [
            indicatorIs("ok"),
            {
                content: "open the cash register panel",
                trigger: ".pos-topheader .o_ru54fz_kkt_indicator",
            },
            screenshot("xreport_1_kkt_panel"),
            {
                content: "print the X report",
                trigger: ".o_ru54fz_kkt_popup .o_ru54fz_x_report:not([disabled])",
            },
            {
                content: "the panel says the report is printed",
                trigger: ".o_ru54fz_kkt_popup .o_ru54fz_kkt_done",
                isCheck: true,
                timeout: 30000,
            },
            screenshot("xreport_2_x_report_printed"),
            {
                content: "close the panel",
                trigger: ".o_ru54fz_kkt_popup .cancel",
            },
            Chrome.clickMenuButton(),
            {
                content: "close the session",
                trigger: ".close-button",
            },
            {
                content: "the closing popup warns about the pending fiscal receipt",
                trigger: ".close-pos-popup .o_ru54fz_closing_pending",
                isCheck: true,
            },
            screenshot("xreport_3_closing_warns_pending"),
            {
                content: "keep the session open",
                trigger: ".close-pos-popup .footer .button:contains('Discard')",
            },
        ].flat(),
});

registry.category("web_tour.tours").add("ru54fz_payment_refused_shift_expired", {
    test: true,
    url: "/pos/ui",
    steps: () =>
        [
            indicatorIs("danger"),
            ProductScreen.clickHomeCategory(),
            ProductScreen.clickDisplayedProduct(PRODUCT),
            ProductScreen.clickPayButton(false),
            {
                content: "the cashier is told what is wrong and what to do",
                trigger: ".modal-dialog .popup-error .modal-body:contains('24 hours')",
                extra_trigger: ".modal-dialog .popup-error .modal-body:contains('Z report')",
                isCheck: true,
            },
            screenshot("shift_1_payment_refused"),
            ErrorPopup.clickConfirm(),
            {
                content: "the sale is kept on the product screen",
                trigger: ".product-screen .order-container .orderline:contains('" + PRODUCT + "')",
                isCheck: true,
            },
            {
                content: "open the cash register panel",
                trigger: ".pos-topheader .o_ru54fz_kkt_indicator",
            },
            {
                content: "close the expired shift",
                trigger: ".o_ru54fz_kkt_popup .o_ru54fz_close_shift:not([disabled])",
            },
            Chrome.confirmPopup(),
            {
                content: "the Z report is printed",
                trigger: ".o_ru54fz_kkt_popup .o_ru54fz_kkt_done",
                isCheck: true,
                timeout: 30000,
            },
            {
                content: "open a new shift",
                trigger: ".o_ru54fz_kkt_popup .o_ru54fz_open_shift:not([disabled])",
            },
            {
                content: "the new shift is open",
                trigger: ".o_ru54fz_kkt_popup .o_ru54fz_kkt_done",
                extra_trigger: ".o_ru54fz_kkt_popup .o_ru54fz_close_shift:not([disabled])",
                isCheck: true,
                timeout: 30000,
            },
            screenshot("shift_2_new_shift_open"),
            {
                content: "close the panel",
                trigger: ".o_ru54fz_kkt_popup .cancel",
            },
            // The test aged the shift by moving the KKT clock 25 hours ahead, so
            // the indicator now warns that the device clock is off.
            indicatorIs("warning"),
            ProductScreen.clickPayButton(),
        ].flat(),
});

registry.category("web_tour.tours").add("ru54fz_offline_sale_on_hold", {
    test: true,
    url: "/pos/ui",
    steps: () =>
        [
            indicatorIs("ok"),
            ProductScreen.clickHomeCategory(),
            ProductScreen.clickDisplayedProduct(PRODUCT),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Cash"),
            serverStep("network_off"),
            PaymentScreen.clickValidate(),
            {
                content: "the POS says it works offline",
                trigger: ".modal-dialog .popup.offline .button.dont-show-again",
            },
            fiscalStatusIs("on_hold"),
            indicatorIs("on_hold"),
            screenshot("offline_sale_1_receipt_on_hold"),
            serverStep("network_on"),
            {
                content: "send the waiting orders",
                trigger: ".pos-topheader .oe_status",
            },
            fiscalStatusIs("queued"),
            indicatorIs("ok"),
            serverStep("fiscalise"),
            fiscalStatusIs("sent"),
            screenshot("offline_sale_2_fiscalised_after_sync"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("ru54fz_screen_in_russian", {
    test: true,
    url: "/pos/ui",
    steps: () =>
        [
            {
                content: "the indicator speaks Russian",
                trigger: ".pos-topheader .o_ru54fz_kkt_indicator:contains('ККТ на связи')",
                isCheck: true,
            },
            {
                content: "open the cash register panel",
                trigger: ".pos-topheader .o_ru54fz_kkt_indicator",
            },
            {
                content: "the panel speaks Russian",
                trigger: ".o_ru54fz_kkt_popup .o_ru54fz_x_report:contains('X-отчёт')",
                extra_trigger: ".o_ru54fz_kkt_popup .modal-title:contains('Касса')",
                isCheck: true,
            },
            {
                content: "the panel names the link state in Russian",
                trigger: ".o_ru54fz_kkt_popup th:contains('Связь')",
                isCheck: true,
            },
            screenshot("russian_1_kkt_panel"),
            {
                content: "close the panel",
                trigger: ".o_ru54fz_kkt_popup .cancel",
            },
        ].flat(),
});

registry.category("web_tour.tours").add("ru54fz_payment_refused_invalid_line", {
    test: true,
    url: "/pos/ui",
    steps: () =>
        [
            ProductScreen.clickHomeCategory(),
            ProductScreen.clickDisplayedProduct(OLD_RATE_PRODUCT),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Cash"),
            PaymentScreen.clickValidate(),
            {
                content: "the cashier is told which line the cash register would refuse",
                trigger: `.modal-dialog .popup-error .modal-body:contains('${OLD_RATE_PRODUCT}')`,
                extra_trigger: ".modal-dialog .popup-error .modal-title:contains('would refuse')",
                isCheck: true,
            },
            screenshot("invalid_1_payment_refused_line_named"),
            ErrorPopup.clickConfirm(),
            PaymentScreen.isShown(),
        ].flat(),
});

registry.category("web_tour.tours").add("ru54fz_failed_receipt_retry", {
    test: true,
    url: "/pos/ui",
    steps: () =>
        [
            ProductScreen.clickHomeCategory(),
            ProductScreen.clickDisplayedProduct(PRODUCT),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Cash"),
            PaymentScreen.clickValidate(),
            fiscalStatusIs("queued"),
            serverStep("block_and_fiscalise"),
            fiscalStatusIs("failed"),
            {
                content: "the reason is shown with a retry for the manager",
                trigger: ".o_ru54fz_fiscal_status .o_ru54fz_fiscal_error:contains('30 days')",
                extra_trigger: ".o_ru54fz_fiscal_status .o_ru54fz_fiscal_retry",
                isCheck: true,
            },
            indicatorIs("danger"),
            screenshot("failed_1_receipt_failed_with_reason"),
            serverStep("unblock"),
            indicatorIs("ok"),
            {
                content: "retry the fiscal receipt",
                trigger: ".o_ru54fz_fiscal_status .o_ru54fz_fiscal_retry:not([disabled])",
            },
            fiscalStatusIs("queued"),
            serverStep("fiscalise"),
            fiscalStatusIs("sent"),
            screenshot("failed_2_printed_after_retry"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("ru54fz_invoice_in_background", {
    test: true,
    url: "/pos/ui",
    steps: () =>
        [
            ProductScreen.clickHomeCategory(),
            ProductScreen.clickDisplayedProduct(PRODUCT),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer(INVOICE_BUYER),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Cash"),
            PaymentScreen.clickInvoiceButton(),
            PaymentScreen.clickValidate(),
            invoiceStatusIs("waiting"),
            fiscalStatusIs("queued"),
            screenshot("invoice_1_being_made"),
            serverStep("confirm_orders"),
            invoiceStatusIs("ready"),
            {
                content: "the posted invoice is offered for download",
                trigger: ".o_ru54fz_invoice_status .o_ru54fz_invoice_download",
                extra_trigger: ".o_ru54fz_invoice_status .o_ru54fz_invoice_name:contains('/')",
                isCheck: true,
            },
            screenshot("invoice_2_ready_for_download"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});

registry.category("web_tour.tours").add("ru54fz_ticket_screen_retry", {
    test: true,
    url: "/pos/ui",
    steps: () =>
        [
            Chrome.clickMenuButton(),
            Chrome.clickTicketButton(),
            TicketScreen.selectFilter("Paid"),
            {
                content: "select the order whose fiscal job has stopped",
                trigger: ".ticket-screen .order-row:has(.o_ru54fz_fiscal_badge[data-state='stalled'])",
            },
            {
                content: "the manager is offered a retry",
                trigger: ".ticket-screen .o_ru54fz_ticket_retry:not([disabled])",
                isCheck: true,
            },
            screenshot("stalled_1_order_list_retry"),
            {
                content: "retry the fiscal receipt",
                trigger: ".ticket-screen .o_ru54fz_ticket_retry:not([disabled])",
            },
            {
                content: "the receipt is queued again",
                trigger: ".ticket-screen .order-row .o_ru54fz_fiscal_badge[data-state='queued']",
                extra_trigger: ".ticket-screen:not(:has(.o_ru54fz_ticket_retry))",
                isCheck: true,
            },
            serverStep("fiscalise"),
            {
                content: "the badge turns to printed, live",
                trigger: ".ticket-screen .order-row .o_ru54fz_fiscal_badge[data-state='sent']",
                timeout: 30000,
            },
            screenshot("stalled_2_printed_after_retry"),
        ].flat(),
});
